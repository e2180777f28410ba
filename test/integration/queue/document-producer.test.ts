// The micro-batching document producer against the shared Redis: batching, idempotency, close semantics, queue depth.
import { Queue, Worker } from 'bullmq';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer, type DocumentProducer } from '../../../src/queue/document-producer.js';
import { QueueErrorCodes } from '../../../src/queue/errors.js';
import type { DocumentBatchJob } from '../../../src/queue/jobs.js';
import { registerQueueDepthMetrics } from '../../../src/queue/queue-depth.js';
import { createProducerRedis, createWorkerRedis } from '../../../src/queue/redis-connection.js';
import { batchStats, deleteKeysWithPrefix, documentJob, documentsInQueue, uniquePrefix } from './queue-test-helpers.js';

const redisUrl = inject('redisUrl');
const prefixes: string[] = [];
const closers: Array<() => Promise<unknown>> = [];

interface Harness {
  readonly prefix: string;
  readonly metrics: Metrics;
  readonly producer: DocumentProducer;
  /** A plain BullMQ Queue on the same prefix, to look at what the producer wrote. */
  readonly queue: Queue<DocumentBatchJob>;
}

async function harness(options: Partial<Parameters<typeof createDocumentProducer>[0]> = {}): Promise<Harness> {
  const prefix = uniquePrefix('producer');
  prefixes.push(prefix);
  const metrics = createMetrics({ defaultMetrics: false });
  const producer = createDocumentProducer({ connection: redisUrl, prefix, metrics, ...options });
  const queue = new Queue<DocumentBatchJob>('documents', { connection: { url: redisUrl }, prefix });
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
  it('writes many concurrent enqueues as few batch jobs, every document carried in arrival order', async () => {
    const { producer, queue, metrics } = await harness({ maxBatch: 500, maxDelayMs: 2 });
    const jobs = Array.from({ length: 2000 }, (_, i) => documentJob(i + 1));

    const results = await Promise.all(jobs.map((job) => producer.enqueue(job)));

    const { batches, jobs: written } = await batchStats(metrics);
    expect(written).toBe(2000);
    // All 2000 arrive in one tick: 4 full batches of 500. Allow a little slack for timer splits.
    expect(batches).toBeLessThanOrEqual(8);
    expect(Math.max(...results.map((r) => r.batchSize))).toBe(500);

    // One BullMQ job per batch, not per document.
    const counts = await queue.getJobCounts('waiting');
    expect(counts.waiting).toBe(batches);
    expect(new Set(results.map((r) => r.jobId)).size).toBe(batches);
    const carried = await documentsInQueue(queue);
    expect(carried.map((c) => c.document)).toEqual(jobs);
    // Each caller is told the job that carries its document.
    carried.forEach((c, i) => expect(results[i]?.jobId).toBe(c.jobId));
    const first = await queue.getJob(results[0]!.jobId);
    expect(first?.name).toBe('document-batch');
  });

  it('gathers calls spread over the window into one batch', async () => {
    // A window far wider than the five calls' spread: a loaded CI machine once stretched five 1 ms sleeps past 20 ms.
    const { producer, metrics } = await harness({ maxBatch: 500, maxDelayMs: 1_000 });
    const pending: Array<Promise<unknown>> = [];
    for (let i = 1; i <= 5; i++) {
      pending.push(producer.enqueue(documentJob(i)));
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
    expect(await batchStats(metrics)).toEqual({ batches: 1, jobs: 5 });
  });

  it('flushes a lone job after maxDelayMs', async () => {
    const { producer, queue } = await harness({ maxDelayMs: 2 });
    const started = performance.now();
    const job = documentJob(7);
    const result = await producer.enqueue(job);
    expect(result.batchSize).toBe(1);
    // Flushed by its own timer, not by a later call or close; the bound only tells that apart on a loaded machine.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect((await queue.getJob(result.jobId))?.data).toEqual({ documents: [job] });
  });

  it('carries every copy of a document, concurrent or re-sent: PostgreSQL decides, not a Redis job id', async () => {
    const { producer, queue } = await harness({ maxBatch: 10, maxDelayMs: 0 });
    const first = documentJob(42);
    const copies = Array.from({ length: 5 }, (_, i) => (i === 0 ? first : documentJob(42)));
    await Promise.all(copies.map((job) => producer.enqueue(job)));
    const resent = documentJob(42, { receivedAt: new Date(Date.now() + 60_000).toISOString() });
    await producer.enqueue(resent);

    const carried = (await documentsInQueue(queue)).map((c) => c.document);
    expect(carried).toHaveLength(6);
    expect(carried).toEqual([...copies, resent]);
  });

  it('carries a re-send of a document whose job was completed and is still kept', async () => {
    const { producer, prefix } = await harness();
    const workerRedis = createWorkerRedis(redisUrl);
    const completed: string[] = [];
    const worker = new Worker<DocumentBatchJob>('documents', async () => 'stored', { connection: workerRedis, prefix });
    worker.on('completed', (job) => completed.push(job.id ?? ''));
    closers.push(async () => {
      await worker.close();
      await workerRedis.quit();
    });

    const one = await producer.enqueue(documentJob(1));
    await expect.poll(() => completed, { timeout: 5000 }).toEqual([one.jobId]);
    // A re-send is a new batch job whatever became of the first (PostgreSQL decides on (fn, fd)): the worker sees it.
    const two = await producer.enqueue(documentJob(1));
    expect(two.jobId).not.toBe(one.jobId);
    await expect.poll(() => completed, { timeout: 5000 }).toEqual([one.jobId, two.jobId]);
  });

  it('applies the documents job options', async () => {
    const { producer, queue } = await harness();
    const { jobId } = await producer.enqueue(documentJob(3));
    const job = await queue.getJob(jobId);
    expect(job?.opts).toMatchObject({
      attempts: 15,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { count: 100 },
    });
  });

  it('rejects a document whose FN or FD is not one, with QUEUE_BAD_JOB_ID', async () => {
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
    expect((await documentsInQueue(queue, ['waiting'])).map((c) => c.document.fd)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
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
    const redis = createProducerRedis(redisUrl);
    const producer = createDocumentProducer({ connection: redis, prefix });
    await producer.waitUntilReady();
    const { jobId } = await producer.enqueue(documentJob(1));
    await producer.close();
    expect(redis.status).toBe('ready');
    expect(await redis.exists(`${prefix}:documents:${jobId}`)).toBe(1);
    await redis.quit();
  });

  it('reports queue depths through ofd_queue_jobs', async () => {
    const { producer, metrics, prefix } = await harness();
    // Three batches: one after the other.
    for (const fd of [1, 2, 3]) await producer.enqueue(documentJob(fd));
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
