// Decision 1, end to end on the Redis side: once enqueue has resolved, the job survives a Redis crash. Own redis-server with
// `appendfsync always`, SIGKILL after the enqueues resolved, restart on the same --dir, every job must be there.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentProducer } from '../../../src/queue/document-producer.js';
import type { DocumentBatchJob } from '../../../src/queue/jobs.js';
import { createProducerRedis } from '../../../src/queue/redis-connection.js';
import { readRedisPersistence, persistenceWarning } from '../../../src/queue/redis-persistence.js';
import { startRedisProcess, type RedisProcess } from '../../support/redis-process.js';
import { documentJob, documentsInQueue, uniquePrefix } from './queue-test-helpers.js';

let dir: string;
let redis: RedisProcess;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ofd-redis-aof-'));
  redis = await startRedisProcess({ args: ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir] });
});

afterAll(async () => {
  await redis?.stop('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('document producer durability', () => {
  it('sees the AOF settings of the Redis it writes to', async () => {
    const client = createProducerRedis(redis.url);
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const persistence = await readRedisPersistence(client);
      expect(persistence).toMatchObject({ aofEnabled: true, appendfsync: 'always' });
      expect(persistenceWarning(persistence)).toBeUndefined();
    } finally {
      await client.quit();
    }
  });

  it('keeps every resolved job through a SIGKILL of Redis', async () => {
    const prefix = uniquePrefix('durable');
    const producer = createDocumentProducer({ connection: redis.url, prefix, maxBatch: 250 });
    const jobs = Array.from({ length: 1000 }, (_, i) => documentJob(i + 1));
    try {
      await producer.waitUntilReady();
      await Promise.all(jobs.map((job) => producer.enqueue(job)));
      // Crash right after the last resolve: no graceful shutdown, no chance to flush anything more.
      await redis.stop('SIGKILL');
    } finally {
      await producer.close();
    }

    await redis.start();
    const queue = new Queue<DocumentBatchJob>('documents', { connection: { url: redis.url }, prefix });
    try {
      // 1000 documents in batch jobs of at most 250: every one is there, byte for byte, none twice.
      const carried = await documentsInQueue(queue, ['waiting']);
      expect(carried.map((c) => c.document)).toEqual(jobs);
      expect(new Set(carried.map((c) => c.jobId)).size).toBeGreaterThanOrEqual(jobs.length / 250);
    } finally {
      await queue.close();
    }
  });
});
