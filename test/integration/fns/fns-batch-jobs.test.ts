// Batch jobs of the `fns` queue (issue 12) on real PostgreSQL, Redis and HTTP (fake-fns): one job per persist job,
// settled per document — a poison document parked alone, the rest delivered; retries per document with their own
// attempt counts, as smaller batch jobs; fns_status and the per-document metrics as with one job per document.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFakeFns, type FakeFns } from '../../../src/adapters/fns/fake-fns-server.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer } from '../../../src/queue/document-producer.js';
import { startPersistWorker } from '../../../src/workers/persist/persist.worker.js';
import { FNS_BATCH_JOB, type FnsBatchJob } from '../../../src/queue/fns-jobs.js';
import { startFnsWorker, type FnsWorkerOptions } from '../../../src/workers/fns/fns.worker.js';
import { createPersistProcessor, type PersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { realJob, waitFor } from '../workers/worker-test-helpers.js';
import { receiptFor } from '../../unit/fns/fns-documents.js';

const redisUrl = inject('redisUrl');
const prefixes: string[] = [];
const closers: Array<() => Promise<unknown>> = [];
let t: TestDatabase;
let fns: FakeFns;
let persist: PersistProcessor;
let fnCounter = 0;

beforeAll(async () => {
  t = await createTestDatabase({ maxConnections: 10 });
  fns = await startFakeFns();
  persist = createPersistProcessor({ db: t.db, logger: silentLogger() });
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  fns.reset();
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysWithPrefix(redisUrl, prefix);
  await fns.close();
  await t.drop();
});

const newFn = () => `99993000000000${String(++fnCounter).padStart(2, '0')}`;
const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

async function store(fn: string, fds: readonly number[]): Promise<void> {
  const results = await persist(fds.map((fd) => realJob(fn, fd, receiptFor(fn, fd, 'accepted'))));
  expect(results.every((r) => r.ok)).toBe(true);
}

interface Harness {
  prefix: string;
  queue: Queue;
  metrics: Metrics;
  addBatch(documents: FnsBatchJob['documents'], jobId: string): Promise<void>;
}

async function harness(opts: Partial<FnsWorkerOptions> = {}): Promise<Harness> {
  const prefix = uniquePrefix('fnsb');
  prefixes.push(prefix);
  const metrics = createMetrics({ defaultMetrics: false });
  const worker = startFnsWorker({
    redisUrl,
    prefix,
    db: t.db,
    logger: silentLogger(),
    metrics,
    fnsUrl: fns.url,
    maxDelayMs: 20,
    ...opts,
    clientOptions: { retries: 0, timeoutMs: 2000, breakerThreshold: 1000 },
  });
  closers.push(() => worker.close());
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('fns', { connection, prefix });
  closers.push(async () => {
    await queue.close();
    connection.disconnect();
  });
  return {
    prefix,
    queue,
    metrics,
    async addBatch(documents, jobId) {
      await queue.add(FNS_BATCH_JOB, { documents }, { jobId, attempts: 5, backoff: { type: 'fixed', delay: 100 } });
    },
  };
}

const statuses = (fn: string) => t.db.selectFrom('fns_outcomes').selectAll().where('fn', '=', fn).orderBy('fd').execute();
const answered = async (fn: string) => (await statuses(fn)).filter((r) => r.status === 'accepted').length;

async function counter(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)).reduce((sum, v) => sum + v.value, 0);
}

describe('fns batch jobs', () => {
  it('the persist worker adds one fns job per persist job, not one per document', async () => {
    const fn = newFn();
    const h = await harness();
    const producer = createDocumentProducer({ connection: redisUrl, prefix: h.prefix });
    closers.push(() => producer.close());
    await producer.waitUntilReady();
    const persistWorker = startPersistWorker({ redisUrl, prefix: h.prefix, db: t.db, logger: silentLogger() });
    closers.push(() => persistWorker.close());

    const fds = range(40);
    await Promise.all(fds.map((fd) => producer.enqueue(realJob(fn, fd, receiptFor(fn, fd, 'accepted')))));
    expect(await waitFor(() => answered(fn), (n) => n === 40)).toBe(40);
    const documentsQueue = new Queue('documents', { connection: { url: redisUrl }, prefix: h.prefix });
    closers.push(() => documentsQueue.close());
    const persistJobs = await documentsQueue.getJobCountByTypes('completed');
    const fnsJobs = await h.queue.getJobs(['completed']);
    // Exactly one fns job per persist job; together they carry each document once.
    expect(fnsJobs).toHaveLength(persistJobs);
    expect(fnsJobs.length).toBeLessThan(40);
    expect(fnsJobs.every((j) => j.name === FNS_BATCH_JOB)).toBe(true);
    const carried = fnsJobs.flatMap((j) => (j.data as FnsBatchJob).documents.map((d) => d.fd)).sort((a, b) => a - b);
    expect(carried).toEqual(fds);
    expect(await counter(h.metrics, 'ofd_worker_jobs_total', { queue: 'fns', result: 'completed' })).toBe(40);
  });

  it('a poison document ends alone in dead_letters; the rest of its batch is delivered and the job completes', async () => {
    const fn = newFn();
    const fds = range(8);
    await store(fn, fds);
    const h = await harness();
    fns.setFaults({ failDocuments: [{ fn, fd: 5 }] });
    // And one document that was never stored: parked on its own too.
    await h.addBatch([...fds, 99].map((fd) => ({ fn, fd })), 'poison-batch');

    const job = await waitFor(() => h.queue.getJob('poison-batch'), (j) => j?.finishedOn !== undefined);
    expect(await job!.getState()).toBe('completed');
    expect(job!.returnvalue).toEqual({ documents: 9, answered: 7, retrying: 0, waiting: 0, dead: 2 });
    expect(await answered(fn)).toBe(7);
    const letters = await t.db.selectFrom('dead_letters').select(['job_id', 'job_name', 'payload', 'error_code', 'attempts']).where('queue', '=', 'fns').where('job_id', 'like', `fn-${fn}-%`).orderBy('job_id').execute();
    expect(letters).toEqual([
      { job_id: `fn-${fn}-fd-5`, job_name: 'send-to-fns', payload: { fn, fd: 5 }, error_code: 'FNS_BAD_REQUEST', attempts: 1 },
      { job_id: `fn-${fn}-fd-99`, job_name: 'send-to-fns', payload: { fn, fd: 99 }, error_code: 'FNS_DOCUMENT_NOT_FOUND', attempts: 1 },
    ]);
    expect((await statuses(fn)).find((r) => r.fd === 5)).toMatchObject({ status: 'dead', last_error_code: 'FNS_BAD_REQUEST', attempts: 1 });
    // Every other document reached the FNS exactly once.
    const per = fns.stats().perDocument;
    for (const fd of fds.filter((d) => d !== 5)) expect(per[`${fn}:${fd}`]?.received, `fd ${fd}`).toBe(1);
    // Nothing was re-enqueued: a terminal refusal is not retried.
    expect(await h.queue.getJobCountByTypes('wait', 'delayed', 'failed')).toBe(0);
    expect(await counter(h.metrics, 'ofd_worker_jobs_total', { queue: 'fns', result: 'completed' })).toBe(7);
    expect(await counter(h.metrics, 'ofd_worker_jobs_total', { queue: 'fns', result: 'dead' })).toBe(2);
    expect(await counter(h.metrics, 'ofd_forward_total', { target: 'fns', result: 'ok' })).toBe(7);
  });

  it('a batch job without a list of documents is parked whole, not completed with nothing sent', async () => {
    const h = await harness();
    await h.queue.add(FNS_BATCH_JOB, { docs: [{ fn: newFn(), fd: 1 }] }, { jobId: 'malformed-batch', attempts: 5 });
    const job = await waitFor(() => h.queue.getJob('malformed-batch'), (j) => j?.finishedOn !== undefined);
    expect(await job!.getState()).toBe('failed');
    expect(job!.attemptsMade).toBe(1); // parked at once, not retried
    const letter = await t.db.selectFrom('dead_letters').select(['job_name', 'error_code', 'payload']).where('queue', '=', 'fns').where('job_id', '=', 'malformed-batch').executeTakeFirst();
    expect(letter).toMatchObject({ job_name: FNS_BATCH_JOB, error_code: 'FNS_BAD_JOB' });
    expect(fns.stats().requests.total).toBe(0);
  });

  it('retries per document: failed documents go back as a smaller batch with their attempt counts, then are delivered once', async () => {
    const fn = newFn();
    const fds = range(6);
    await store(fn, fds);
    // fd 1–3 answered before the outage; 4–6 meet it.
    const h = await harness({ documentRetry: { attempts: 20, backoffMs: 150 } });
    await h.addBatch(fds.slice(0, 3).map((fd) => ({ fn, fd })), 'before-outage');
    await waitFor(() => answered(fn), (n) => n === 3);
    fns.setFaults({ outageMs: 600 });
    await h.addBatch(fds.map((fd) => ({ fn, fd })), 'outage');

    const first = await waitFor(() => h.queue.getJob('outage'), (j) => j?.finishedOn !== undefined);
    expect(first!.returnvalue).toEqual({ documents: 6, answered: 3, retrying: 3, waiting: 0, dead: 0 });
    expect(await answered(fn)).toBe(6 - 3);
    expect((await statuses(fn)).filter((r) => r.status === 'retrying').map((r) => r.fd)).toEqual([4, 5, 6]);
    // The smaller batch: only the three that failed, each with its one attempt used.
    const again = (await h.queue.getJobs(['delayed', 'wait', 'active', 'completed'])).filter((j) => !['before-outage', 'outage'].includes(j.id!));
    const firstRetry = again.find((j) => (j.data as FnsBatchJob).documents.every((d) => d.attempts === 1));
    expect((firstRetry?.data as FnsBatchJob | undefined)?.documents).toEqual([4, 5, 6].map((fd) => ({ fn, fd, attempts: 1 })));

    expect(await waitFor(() => answered(fn), (n) => n === 6)).toBe(6);
    const rows = await statuses(fn);
    expect(rows.filter((r) => r.fd >= 4).every((r) => r.attempts >= 2 && r.last_error_code === null)).toBe(true);
    expect(rows.filter((r) => r.fd <= 3).every((r) => r.attempts === 1)).toBe(true);
    const per = fns.stats().perDocument;
    for (const fd of fds) expect(per[`${fn}:${fd}`]?.received, `fd ${fd}`).toBe(1);
    expect(await counter(h.metrics, 'ofd_worker_jobs_total', { queue: 'fns', result: 'failed' })).toBeGreaterThanOrEqual(3);
    expect(await counter(h.metrics, 'ofd_worker_jobs_total', { queue: 'fns', result: 'completed' })).toBe(3 + 3 + 3);
  });

  it('a document out of attempts is parked with its own attempt count', async () => {
    const fn = newFn();
    await store(fn, [1, 2]);
    const h = await harness({ documentRetry: { attempts: 2, backoffMs: 50 } });
    fns.setFaults({ outageMs: 60_000 });
    // fd 2 has used one attempt already (a re-enqueued document): it is out after this one; fd 1 gets one more.
    await h.addBatch([{ fn, fd: 1 }, { fn, fd: 2, attempts: 1 }], 'attempts');
    const letters = await waitFor(
      () => t.db.selectFrom('dead_letters').select(['job_id', 'attempts', 'error_code']).where('queue', '=', 'fns').where('job_id', 'like', `fn-${fn}-%`).orderBy('job_id').execute(),
      (l) => l.length === 2,
    );
    expect(letters).toEqual([
      { job_id: `fn-${fn}-fd-1`, attempts: 2, error_code: 'FNS_SERVER_ERROR' },
      { job_id: `fn-${fn}-fd-2`, attempts: 2, error_code: 'FNS_SERVER_ERROR' },
    ]);
    expect((await statuses(fn)).map((r) => [r.fd, r.status, r.attempts])).toEqual([
      [1, 'dead', 2],
      [2, 'dead', 1],
    ]);
    expect((await h.queue.getJob('attempts'))!.returnvalue).toEqual({ documents: 2, answered: 0, retrying: 1, waiting: 0, dead: 1 });
    fns.setFaults({ outageMs: 0 });
  });
});
