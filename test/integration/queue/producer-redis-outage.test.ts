// Redis goes away under the producer: enqueue must reject fast with QUEUE_UNAVAILABLE (no ack without durability, no
// hanging past the registers' 3 s), and the same producer must work again when Redis comes back. Uses its own redis-server;
// the shared one is never stopped.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer, type DocumentProducer } from '../../../src/queue/document-producer.js';
import { isQueueError, QueueErrorCodes } from '../../../src/queue/errors.js';
import { registerQueueDepthMetrics } from '../../../src/queue/queue-depth.js';
import { startRedisProcess, type RedisProcess } from '../../support/redis-process.js';
import { counterValue, documentJob, uniquePrefix } from './queue-test-helpers.js';

/** "Fast": far below the 3 s a register waits for its ack. */
const FAST_MS = 250;

let redis: RedisProcess;

beforeAll(async () => {
  redis = await startRedisProcess();
});

afterAll(async () => {
  await redis?.stop('SIGKILL');
});

async function expectUnavailableFast(producer: DocumentProducer, fd: number, limitMs = FAST_MS): Promise<void> {
  const started = performance.now();
  const error: unknown = await producer.enqueue(documentJob(fd)).then(
    () => new Error('enqueue resolved while Redis was down'),
    (e: unknown) => e,
  );
  const elapsed = performance.now() - started;
  expect(isQueueError(error) ? error.code : error).toBe(QueueErrorCodes.QUEUE_UNAVAILABLE);
  expect(elapsed).toBeLessThan(limitMs);
}

/** Retries until an enqueue succeeds: the producer reconnects on its own, within its reconnect backoff (≤ 1 s). */
async function enqueueWhenBack(producer: DocumentProducer, fd: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await producer.enqueue(documentJob(fd));
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('document producer during a Redis outage', () => {
  it('rejects fast while Redis is down and recovers by itself when it returns', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const prefix = uniquePrefix('outage');
    const producer = createDocumentProducer({ connection: redis.url, prefix, metrics, enqueueTimeoutMs: 1000 });
    try {
      await producer.waitUntilReady();
      await producer.enqueue(documentJob(1));
      expect(producer.isReady()).toBe(true);

      await redis.stop('SIGKILL');
      for (let fd = 2; fd < 12; fd++) await expectUnavailableFast(producer, fd);
      // A burst of concurrent callers: all rejected, none left hanging.
      const burst = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => producer.enqueue(documentJob(100 + i))));
      expect(burst.every((r) => r.status === 'rejected')).toBe(true);
      expect(producer.isReady()).toBe(false);
      expect(await counterValue(metrics, 'QUEUE_UNAVAILABLE')).toBeGreaterThanOrEqual(210);
      expect(await metrics.render()).toContain('ofd_gateway_redis_connected 0');

      await redis.start();
      await enqueueWhenBack(producer, 2);
      await producer.enqueue(documentJob(3));
      expect(producer.isReady()).toBe(true);
      expect(await metrics.render()).toContain('ofd_gateway_redis_connected 1');

      // Redis was started without persistence: only what was written after the restart is there.
      const queue = new Queue('documents', { connection: { url: redis.url }, prefix });
      expect((await queue.getJobCounts('waiting')).waiting).toBe(2);
      await queue.close();
    } finally {
      await producer.close();
    }
  });

  it('rejects within enqueueTimeoutMs when Redis accepts connections but does not answer', async () => {
    const prefix = uniquePrefix('hung');
    const producer = createDocumentProducer({ connection: redis.url, prefix, enqueueTimeoutMs: 300 });
    try {
      await producer.waitUntilReady();
      redis.signal('SIGSTOP');
      // The connection still looks fine to the client: only the deadline can answer.
      await expectUnavailableFast(producer, 1, 300 + FAST_MS);
      redis.signal('SIGCONT');
      await enqueueWhenBack(producer, 2);
    } finally {
      redis.signal('SIGCONT');
      await producer.close();
    }
  });

  it('starts while Redis is down: rejects fast, then works once Redis is up', async () => {
    await redis.stop('SIGKILL');
    const prefix = uniquePrefix('late');
    const producer = createDocumentProducer({ connection: redis.url, prefix });
    try {
      await expectUnavailableFast(producer, 1);
      await expect(producer.waitUntilReady(200)).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
      await redis.start();
      await producer.waitUntilReady(10_000);
      await expect(producer.enqueue(documentJob(1))).resolves.toMatchObject({ jobId: expect.stringMatching(/^\d+$/), batchSize: 1 });
    } finally {
      await producer.close();
    }
  });

  it('closes promptly while Redis is down, rejecting what was pending', async () => {
    const prefix = uniquePrefix('close-down');
    const producer = createDocumentProducer({ connection: redis.url, prefix, maxDelayMs: 1000 });
    await producer.waitUntilReady();
    const pending = producer.enqueue(documentJob(1));
    await redis.stop('SIGKILL');
    const started = performance.now();
    await producer.close();
    expect(performance.now() - started).toBeLessThan(1500);
    await expect(pending).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    await redis.start();
  });

  it('keeps /metrics answering while Redis is down, counting the failed queue-depth read', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const depth = registerQueueDepthMetrics(metrics, { connection: redis.url, prefix: uniquePrefix('depth') });
    try {
      await expect.poll(() => metrics.render(), { timeout: 5000 }).toContain('ofd_queue_jobs{queue="documents",state="waiting"} 0');
      const errorsBefore = (await metrics.queue.depthErrors.get()).values[0]?.value ?? 0;
      await redis.stop('SIGKILL');
      const started = performance.now();
      const text = await metrics.render();
      expect(performance.now() - started).toBeLessThan(FAST_MS);
      expect(text).not.toContain('ofd_queue_jobs{');
      expect(text).toContain(`ofd_queue_depth_errors_total ${errorsBefore + 1}`);
    } finally {
      await depth.close();
      await redis.start();
    }
  });
});
