// Shared by the queue integration tests: unique key prefixes, cleanup of exactly those keys, document job fixtures.
import { randomBytes, randomUUID } from 'node:crypto';
import type { JobType, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Metrics } from '../../../src/observability/metrics.js';
import type { DocumentBatchJob, DocumentJob } from '../../../src/queue/jobs.js';

export const TEST_FN = '9999078900012345';

/** A prefix no other test file (or run) uses; deleteKeysWithPrefix removes only keys under it. */
export function uniquePrefix(name: string): string {
  return `test-${name}-${randomUUID().slice(0, 8)}`;
}

export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export function documentJob(fd: number, overrides: Partial<DocumentJob> = {}): DocumentJob {
  return {
    fn: TEST_FN,
    fd,
    form: 3,
    receivedAt: new Date().toISOString(),
    container: randomBytes(96).toString('base64'),
    sessionHeader: randomBytes(30).toString('base64'),
    crypto: 'devsign',
    signStatus: 'verified',
    flk: { ok: true, codes: [] },
    ...overrides,
  };
}

/** Number of batch jobs and documents written so far, read from ofd_gateway_enqueue_batch_size. */
export async function batchStats(metrics: Metrics): Promise<{ batches: number; jobs: number }> {
  const { values } = await metrics.gateway.enqueueBatchSize.get();
  const find = (name: string) => values.find((v) => v.metricName === name)?.value ?? 0;
  return { batches: find('ofd_gateway_enqueue_batch_size_count'), jobs: find('ofd_gateway_enqueue_batch_size_sum') };
}

export async function counterValue(metrics: Metrics, code: string): Promise<number> {
  const { values } = await metrics.gateway.enqueueFailures.get();
  return values.filter((v) => v.labels.code === code).reduce((sum, v) => sum + v.value, 0);
}

/** Every document carried by the `documents` batch jobs in the given states, in job order, with the job that carries it. */
export async function documentsInQueue(
  queue: Queue,
  states: JobType[] = ['waiting', 'active', 'completed', 'failed', 'delayed'],
): Promise<{ jobId: string; document: DocumentJob }[]> {
  const jobs = await queue.getJobs(states, 0, -1, true);
  jobs.sort((a, b) => Number(a.id) - Number(b.id));
  return jobs.flatMap((job) => (job.data as DocumentBatchJob).documents.map((document) => ({ jobId: job.id ?? '', document })));
}
