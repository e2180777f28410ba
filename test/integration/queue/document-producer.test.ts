// The micro-batching document producer against the shared Redis: batching, idempotency, close semantics, queue depth.
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer, type DocumentProducer } from '../../../src/queue/document-producer.js';
import { QueueErrorCodes } from '../../../src/queue/errors.js';
import { documentJobId } from '../../../src/queue/job-ids.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { registerQueueDepthMetrics } from '../../../src/queue/queue-depth.js';
import { createProducerRedis, createWorkerRedis } from '../../../src/queue/redis-connection.js';
import { TEST_FN, batchStats, deleteKeysWithPrefix, documentJob, uniquePrefix } from './queue-test-helpers.js';

const redisUrl = inject('redisUrl');
const prefixes: string[] = [];
const closers: Array<() => Promise<unknown>> = [];

interface Harness {
  readonly prefix: string;
  readonly metrics: Metrics;
  readonly producer: DocumentProducer;
  /** A plain BullMQ Queue on the same prefix, to look at what the producer wrote. */
  readonly queue: Queue<DocumentJob>;
}

async function harness(options: Partial<Parameters<typeof createDocumentProducer>[0]> = {}): Promise<Harness> {
  const prefix = uniquePrefix('producer');
  prefixes.push(prefix);
  const metrics = createMetrics({ defaultMetrics: false });
  const producer = createDocumentProducer({ connection: redisUrl, prefix, metrics, ...options });
  const queue = new Queue<DocumentJob>('documents', { connection: { url: redisUrl }, prefix });
  closers.push(() => producer.close(), () => queue.close());
  await producer.waitUntilReady();
  return { prefix, metrics, producer, queue };
}

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysWithPrefix(redisUrl, prefix);
});

describe('document producer', () => {
  it('writes many concurrent enqueues with few addBulk calls, every job with its id and data', async () => {
    const { producer, queue, metrics } = await harness({ maxBatch: 500, maxDelayMs: 2 });
    const jobs = Array.from({ length: 2000 }, (_, i) => documentJob(i + 1));

    const results = await Promise.all(jobs.map((job) => producer.enqueue(job)));

    expect(results.map((r) => r.jobId)).toEqual(jobs.map((j) => documentJobId(j.fn, j.fd)));
    const { batches, jobs: written } = await batchStats(metrics);
    expect(written).toBe(2000);
    // All 2000 arrive in one tick: 4 full batches of 500. Allow a little slack for timer splits.
    expect(batches).toBeLessThanOrEqual(8);
    expect(Math.max(...results.map((r) => r.batchSize))).toBe(500);

    const counts = await queue.getJobCounts('waiting');
    expect(counts.waiting).toBe(2000);
    const stored = await Promise.all(jobs.map((j) => queue.getJob(documentJobId(j.fn, j.fd))));
    stored.forEach((job, i) => {
      expect(job?.id).toBe(`fn-${TEST_FN}-fd-${i + 1}`);
      expect(job?.name).toBe('document');
      expect(job?.data).toEqual(jobs[i]);
    });
  });

  it('gathers calls spread over the window into one batch', async () => {
    const { producer, metrics } = await harness({ maxBatch: 500, maxDelayMs: 20 });
    const pending: Array<Promise<unknown>> = [];
    for (let i = 1; i <= 5; i++) {
      pending.push(producer.enqueue(documentJob(i)));
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
    expect(await batchStats(metrics)).toEqual({ batches: 1, jobs: 5 });
  });

  it('flushes a lone job after maxDelayMs', async () => {
    const { producer } = await harness({ maxDelayMs: 2 });
    const started = performance.now();
    const result = await producer.enqueue(documentJob(7));
    expect(result).toEqual({ jobId: `fn-${TEST_FN}-fd-7`, batchSize: 1, coalesced: false });
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('coalesces concurrent duplicates into one job and resolves every caller', async () => {
    const { producer, queue, metrics } = await harness();
    const first = documentJob(42);
    const copies = Array.from({ length: 50 }, (_, i) => (i === 0 ? first : documentJob(42)));

    const results = await Promise.all(copies.map((job) => producer.enqueue(job)));

    expect(new Set(results.map((r) => r.jobId))).toEqual(new Set([`fn-${TEST_FN}-fd-42`]));
    expect(results.every((r) => r.coalesced)).toBe(true);
    expect(await batchStats(metrics)).toEqual({ batches: 1, jobs: 1 });
    expect((await queue.getJobCounts('waiting')).waiting).toBe(1);
    // The first copy's data is the one kept.
    expect((await queue.getJob(`fn-${TEST_FN}-fd-42`))?.data).toEqual(first);
  });

  it('turns a sequential re-send into a no-op add', async () => {
    const { producer, queue } = await harness();
    const original = documentJob(5);
    await producer.enqueue(original);
    const again = await producer.enqueue(documentJob(5, { receivedAt: new Date(Date.now() + 60_000).toISOString() }));

    expect(again).toMatchObject({ jobId: `fn-${TEST_FN}-fd-5`, coalesced: false });
    expect((await queue.getJobCounts('waiting')).waiting).toBe(1);
    expect((await queue.getJob(`fn-${TEST_FN}-fd-5`))?.data).toEqual(original);
  });

  it('dedupes duplicates that arrive in different concurrent batches', async () => {
    const { producer, queue } = await harness({ maxBatch: 10, maxDelayMs: 0 });
    // 30 distinct documents, each sent three times, interleaved so copies land in different batches.
    const sends = [0, 1, 2].flatMap(() => Array.from({ length: 30 }, (_, i) => documentJob(i + 1)));
    const results = await Promise.all(sends.map((job) => producer.enqueue(job)));
    expect(results).toHaveLength(90);
    expect((await queue.getJobCounts('waiting')).waiting).toBe(30);
  });

  it('dedupes a re-send of a completed job while it is kept, and makes a new job once it was removed', async () => {
    const { producer, queue, prefix } = await harness();
    const workerRedis = createWorkerRedis(redisUrl);
    const completed: string[] = [];
    const worker = new Worker<DocumentJob>('documents', async () => 'stored', { connection: workerRedis, prefix });
    worker.on('completed', (job) => completed.push(job.id ?? ''));
    closers.push(async () => {
      await worker.close();
      await workerRedis.quit();
    });

    await producer.enqueue(documentJob(1));
    await expect.poll(() => completed, { timeout: 5000 }).toEqual([`fn-${TEST_FN}-fd-1`]);

    // Kept in the completed set (removeOnComplete keeps an hour): the re-send adds nothing.
    await producer.enqueue(documentJob(1));
    await new Promise((r) => setTimeout(r, 100));
    expect(completed).toHaveLength(1);
    expect(await queue.getJobState(`fn-${TEST_FN}-fd-1`)).toBe('completed');

    // Once removed, a re-send is a new job: the persist worker's (fn, fd) idempotency is what keeps it single.
    await queue.remove(`fn-${TEST_FN}-fd-1`);
    await producer.enqueue(documentJob(1));
    await expect.poll(() => completed, { timeout: 5000 }).toHaveLength(2);
  });

  it('applies the documents job options', async () => {
    const { producer, queue } = await harness();
    await producer.enqueue(documentJob(3));
    const job = await queue.getJob(`fn-${TEST_FN}-fd-3`);
    expect(job?.opts).toMatchObject({
      attempts: 15,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 3600, count: 10_000 },
    });
  });

  it('rejects a job whose FN or FD cannot form an id, with QUEUE_BAD_JOB_ID', async () => {
    const { producer } = await harness();
    await expect(producer.enqueue(documentJob(1, { fn: '123' }))).rejects.toMatchObject({ code: 'QUEUE_BAD_JOB_ID' });
    await expect(producer.enqueue(documentJob(0))).rejects.toMatchObject({ code: 'QUEUE_BAD_JOB_ID' });
    await expect(producer.enqueue(documentJob(1.5))).rejects.toMatchObject({ code: 'QUEUE_BAD_JOB_ID' });
  });

  it('writes what is pending on close, then rejects with QUEUE_CLOSED; close is idempotent', async () => {
    const { producer, queue } = await harness({ maxDelayMs: 1000 });
    const pending = Array.from({ length: 10 }, (_, i) => producer.enqueue(documentJob(i + 1)));
    const closing = producer.close();
    expect(producer.close()).toBe(closing);
    await closing;
    await expect(Promise.all(pending)).resolves.toHaveLength(10);
    expect((await queue.getJobCounts('waiting')).waiting).toBe(10);
    await expect(producer.enqueue(documentJob(11))).rejects.toMatchObject({ code: QueueErrorCodes.QUEUE_CLOSED });
    expect(producer.isReady()).toBe(false);
  });

  it('sheds load beyond maxPending with QUEUE_OVERLOADED', async () => {
    const { producer } = await harness({ maxBatch: 5, maxPending: 5, maxDelayMs: 50 });
    const accepted = Array.from({ length: 4 }, (_, i) => producer.enqueue(documentJob(i + 1)));
    // 4 pending (< maxBatch 5, so no flush yet); the 5th fills maxPending only after this one is counted.
    const fifth = producer.enqueue(documentJob(5));
    await expect(producer.enqueue(documentJob(6))).rejects.toMatchObject({ code: 'QUEUE_OVERLOADED' });
    await Promise.all([...accepted, fifth]);
  });

  it('leaves a caller-owned Redis client open on close', async () => {
    const prefix = uniquePrefix('producer-owned');
    prefixes.push(prefix);
    const redis: Redis = createProducerRedis(redisUrl);
    const producer = createDocumentProducer({ connection: redis, prefix });
    await producer.waitUntilReady();
    await producer.enqueue(documentJob(1));
    await producer.close();
    expect(redis.status).toBe('ready');
    expect(await redis.exists(`${prefix}:documents:fn-${TEST_FN}-fd-1`)).toBe(1);
    await redis.quit();
  });

  it('reports queue depths through ofd_queue_jobs', async () => {
    const { producer, metrics, prefix } = await harness();
    await Promise.all([1, 2, 3].map((fd) => producer.enqueue(documentJob(fd))));
    const depth = registerQueueDepthMetrics(metrics, { connection: redisUrl, prefix });
    closers.push(() => depth.close());
    await expect
      .poll(() => metrics.render(), { timeout: 3000 })
      .toContain('ofd_queue_jobs{queue="documents",state="waiting"} 3');
    const text = await metrics.render();
    expect(text).toContain('ofd_queue_jobs{queue="fns",state="waiting"} 0');
    expect(text).toContain('ofd_queue_jobs{queue="documents",state="failed"} 0');
  });
});
