/**
 * The acks worker (issue 13 item 4): a stock BullMQ Worker on `acks` that records each report of acknowledgements
 * actually written (src/gateway/ack-reports.ts) in document_acks — one insert per report, `on conflict do nothing`, so
 * a report run twice (a retry, a stalled job) writes nothing twice. It does not wait for, or look at, the documents:
 * a report usually arrives before its documents are persisted, and the two meet only when read.
 *
 * A PostgreSQL failure fails the job; BullMQ retries it with backoff (JOB_OPTIONS.acks). A malformed entry is skipped
 * and counted in the log, never retried: it cannot get better.
 */
import { Worker, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { recordWrittenAcks, type WrittenAck } from '../../db/document-acks.repository.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { ackReportJobSchema } from '../../queue/jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { closeRedis, createWorkerRedis } from '../../queue/redis-connection.js';

const QUEUE = QueueNames.acks;
/** Rows per insert: a report after a long Redis outage can hold many flushes' worth. */
const CHUNK = 5000;

export interface AckReportsWorkerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly concurrency?: number;
}

export interface AckReportsWorker {
  close(): Promise<void>;
}

/** The valid acks of a report's data; entries that do not parse are left out. */
export function acksOfReport(data: unknown): { acks: WrittenAck[]; invalid: number } {
  const entries = data !== null && typeof data === 'object' && 'acks' in data && Array.isArray(data.acks) ? (data.acks as unknown[]) : [];
  const acks: WrittenAck[] = [];
  let invalid = 0;
  for (const entry of entries) {
    const parsed = ackReportJobSchema.shape.acks.element.safeParse(entry);
    if (!parsed.success) invalid += 1;
    else acks.push({ fn: parsed.data[0], fd: parsed.data[1], code: parsed.data[2], at: parsed.data[3] });
  }
  return { acks, invalid };
}

export function startAckReportsWorker(options: AckReportsWorkerOptions): AckReportsWorker {
  const { db, metrics } = options;
  const log = options.logger.child({ role: 'worker', queue: QUEUE });
  const connection = createWorkerRedis(options.redisUrl, { connectionName: `${options.prefix}:worker:acks` });
  connection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));

  async function processJob(job: Job): Promise<{ acks: number; recorded: number; invalid: number }> {
    const end = metrics?.worker.jobDuration.startTimer({ queue: QUEUE });
    try {
      const { acks, invalid } = acksOfReport(job.data);
      if (invalid > 0) log.warn({ jobId: job.id, invalid }, 'malformed entries in an ack report skipped');
      let recorded = 0;
      for (let i = 0; i < acks.length; i += CHUNK) recorded += await recordWrittenAcks(db, acks.slice(i, i + CHUNK));
      metrics?.worker.jobs.inc({ queue: QUEUE, result: 'completed' });
      return { acks: acks.length, recorded, invalid };
    } catch (e) {
      metrics?.worker.jobs.inc({ queue: QUEUE, result: 'failed' });
      throw e;
    } finally {
      end?.();
    }
  }

  const worker = new Worker(QUEUE, processJob, { connection, prefix: options.prefix, concurrency: options.concurrency ?? 2 });
  worker.on('error', (e: Error) => log.error({ err: e.message }, 'worker error'));
  worker.on('failed', (job, e) => log.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: e.message }, 'ack report not recorded'));

  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        await worker.close();
        await closeRedis(connection);
      })()),
  };
}
