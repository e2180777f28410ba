// The fns worker end to end on real PostgreSQL, Redis and HTTP: documents stored by the persist processor → `fns` jobs
// → batches → fake-fns → fns_status, document events, dead letters; faults injected on the way.
import { Queue } from 'bullmq';
import { sql, type KyselyPlugin } from 'kysely';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startFakeFns, type FakeFns } from '../../../src/adapters/fns/fake-fns-server.js';
import { canonicalJson } from '../../../src/adapters/fns/fake-fns-rules.js';
import { FnsError, FnsErrorCodes } from '../../../src/adapters/fns/errors.js';
import type { FnsClient } from '../../../src/adapters/fns/fns-client.js';
import { buildSubmission } from '../../../src/adapters/fns/fns-submission.js';
import { createHttpFnsClient, type HttpFnsClient } from '../../../src/adapters/fns/http-fns-client.js';
import { run as runDlq, replayDeadLetters } from '../../../src/cli/commands/dlq.js';
import { findDocumentWithLifecycle } from '../../../src/db/api-documents.repository.js';
import { claimForFns, readStoredContainers, recordFnsOutcomes } from '../../../src/db/fns-status.repository.js';
import { fnsErrorsOf } from '../../../src/db/tables/fns-status.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer } from '../../../src/queue/document-producer.js';
import { documentJobId } from '../../../src/queue/job-ids.js';
import { startPersistWorker } from '../../../src/workers/persist/persist.worker.js';
import { createFnsProcessor } from '../../../src/workers/fns/fns.processor.js';
import { startFnsWorker, type FnsWorkerOptions } from '../../../src/workers/fns/fns.worker.js';
import { createPersistProcessor, type PersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { realJob, waitFor } from '../workers/worker-test-helpers.js';
import { storedFnsJson } from '../../../src/db/fns-json.js';
import { receiptFor, type ReceiptVariant } from '../../unit/fns/fns-documents.js';
import { unpackRawContainer } from '../../../src/db/raw-container.js';

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

/** A fiscal drive of its own per test: rows and fake-fns entries never mix. */
const newFn = () => `99992000000000${String(++fnCounter).padStart(2, '0')}`;

async function store(fn: string, fds: readonly number[], variant: ReceiptVariant = 'accepted'): Promise<void> {
  const results = await persist(fds.map((fd) => realJob(fn, fd, receiptFor(fn, fd, variant))));
  expect(results.every((r) => r.ok)).toBe(true);
}

interface Harness {
  prefix: string;
  queue: Queue;
  metrics: Metrics;
  enqueue(fn: string, fds: readonly number[], opts?: { attempts?: number; backoffMs?: number }): Promise<void>;
}

async function harness(opts: Partial<FnsWorkerOptions> & { clientOptions?: FnsWorkerOptions['clientOptions'] } = {}): Promise<Harness> {
  const prefix = uniquePrefix('fns');
  prefixes.push(prefix);
  const metrics = createMetrics({ defaultMetrics: false });
  const worker = startFnsWorker({
    redisUrl,
    prefix,
    db: t.db,
    logger: silentLogger(),
    metrics,
    fnsUrl: fns.url,
    batchSize: 50,
    maxDelayMs: 20,
    ...opts,
    clientOptions: { retries: 0, timeoutMs: 2000, ...opts.clientOptions },
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
    async enqueue(fn, fds, o = {}) {
      await queue.addBulk(
        fds.map((fd) => ({
          name: 'send-to-fns',
          data: { fn, fd },
          opts: { jobId: documentJobId(fn, fd), attempts: o.attempts ?? 50, backoff: { type: 'fixed', delay: o.backoffMs ?? 100 } },
        })),
      );
    },
  };
}

const statuses = (fn: string) => t.db.selectFrom('fns_outcomes').selectAll().where('fn', '=', fn).orderBy('fd').execute();
const leasesOf = (fn: string) => t.db.selectFrom('fns_leases').select(['fd', 'lease_owner']).where('fn', '=', fn).orderBy('fd').execute();
const answeredCount = async (fn: string) =>
  (await statuses(fn)).filter((r) => ['accepted', 'accepted_with_warnings', 'rejected', 'quarantine'].includes(r.status)).length;
/** 'fns_answered' events written to document_events (none since migration 0064: the status row tells the answer). */
const answeredEventsWritten = async (fn: string) =>
  (await t.db.selectFrom('document_events').select('id').where('fn', '=', fn).where('kind', '=', 'fns_answered').execute()).length;
const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

async function counter(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

/** Every (fn, fd) reached fake-fns exactly this many times. */
function expectReceivedTimes(fn: string, fds: readonly number[], times = 1): void {
  const per = fns.stats().perDocument;
  for (const fd of fds) expect(per[`${fn}:${fd}`]?.received, `(${fn}, ${fd})`).toBe(times);
}

describe('fns worker', () => {
  it('delivers every stored document to the FNS exactly once, in batches, with its FNS JSON and rawData', async () => {
    const fn = newFn();
    const fds = range(120);
    await store(fn, fds);
    const h = await harness();
    await h.enqueue(fn, fds);

    expect(await waitFor(() => answeredCount(fn), (n) => n === 120)).toBe(120);
    expectReceivedTimes(fn, fds);
    expect(fns.stats().documents).toMatchObject({ received: 120, unique: 120, duplicates: 0 });
    // Batched: far fewer requests than documents.
    expect(fns.stats().requests.total).toBeLessThanOrEqual(30);

    const stored = await t.db.selectFrom('documents').select(['fd', 'raw_container', 'raw_codec', 'flk_codes', 'reprocessed_at']).where('fn', '=', fn).execute();
    for (const row of stored) {
      const got = fns.received(fn, Number(row.fd))!.submission;
      expect(Buffer.from(got.rawData, 'base64').equals(unpackRawContainer(row.raw_container, row.raw_codec).subarray(32))).toBe(true);
      expect(canonicalJson(got.document)).toBe(canonicalJson(storedFnsJson(row)));
    }

    const rows = await statuses(fn);
    expect(rows.every((r) => r.status === 'accepted' && r.attempts === 1 && fnsErrorsOf(r).length === 0)).toBe(true);
    expect(rows.every((r) => r.sent_at !== null && r.answered_at !== null && r.last_error_code === null)).toBe(true);
    // No findings are stored as null, not '[]' (8 bytes a row; readers take null as none since migration 0074).
    expect(rows.map((r) => r.errors)).toEqual(rows.map(() => null));
    expect(await leasesOf(fn)).toEqual([]);
    // The answer is the status row's (migration 0064): no event written, the timeline composes it from the row.
    expect(rows.every((r) => r.duplicate === false)).toBe(true);
    expect(await answeredEventsWritten(fn)).toBe(0);
    const lifecycle = await findDocumentWithLifecycle(t.db, fn, 1);
    const answered = lifecycle?.events.filter((e) => e.kind === 'fns_answered');
    expect(answered?.map((e) => e.detail)).toEqual([{ status: 'accepted', errors: [], duplicate: false }]);
    expect(answered?.[0]?.at).toEqual(rows.find((r) => r.fd === 1)?.answered_at);
    expect(lifecycle?.events.map((e) => e.kind)).toEqual(['received', 'persisted', 'fns_answered']);
    // A document answered before migration 0064 has its event written: that one is shown, none composed beside it.
    const key = await t.db.selectFrom('document_keys').select('received_at').where('fn', '=', fn).where('fd', '=', 2).executeTakeFirstOrThrow();
    const old = { status: 'accepted', errors: [], duplicate: true };
    await t.db.insertInto('document_events').values({ fn, fd: 2, received_at: key.received_at, kind: 'fns_answered', detail: JSON.stringify(old) }).execute();
    const oldEvents = (await findDocumentWithLifecycle(t.db, fn, 2))?.events.filter((e) => e.kind === 'fns_answered');
    expect(oldEvents?.map((e) => e.detail)).toEqual([old]);

    expect(await counter(h.metrics, 'ofd_forward_total', { target: 'fns', result: 'ok' })).toBe(120);
    expect(await counter(h.metrics, 'ofd_worker_jobs_total', { queue: 'fns', result: 'completed' })).toBe(120);
    expect(await h.queue.getJobCountByTypes('completed')).toBe(120);
    const job = await h.queue.getJob(documentJobId(fn, 1));
    expect(job?.returnvalue).toEqual({ status: 'accepted', sent: true });
  });

  it('takes the jobs the persist worker adds: gateway producer → persist → fns → FNS, once each', async () => {
    const fn = newFn();
    const h = await harness();
    const producer = createDocumentProducer({ connection: redisUrl, prefix: h.prefix });
    closers.push(() => producer.close());
    await producer.waitUntilReady();
    const persistWorker = startPersistWorker({ redisUrl, prefix: h.prefix, db: t.db, logger: silentLogger(), batchSize: 20 });
    closers.push(() => persistWorker.close());

    const jobs = range(30).map((fd) => realJob(fn, fd));
    await Promise.all(jobs.map((j) => producer.enqueue(j)));
    await Promise.all(jobs.map((j) => producer.enqueue(j))); // the registers re-send: still one document each
    expect(await waitFor(() => answeredCount(fn), (n) => n === 30)).toBe(30);
    expectReceivedTimes(fn, range(30));
  });

  it('stores rejections, quarantine and warnings with their codes per tag', async () => {
    const fn = newFn();
    await store(fn, [1], 'accepted');
    await store(fn, [2], 'payments');
    await store(fn, [3], 'items');
    await store(fn, [4], 'quarantine');
    await store(fn, [5], 'warnings');
    const h = await harness();
    await h.enqueue(fn, range(5));
    await waitFor(() => answeredCount(fn), (n) => n === 5);

    const rows = await statuses(fn);
    expect(rows.map((r) => [r.fd, r.status, fnsErrorsOf(r).map((e) => `${e.tag}:${e.code}`)])).toEqual([
      [1, 'accepted', []],
      [2, 'rejected', ['1020:FLK_PAYMENTS_SUM']],
      [3, 'rejected', ['1043:FLK_ITEMS_SUM']],
      [4, 'quarantine', ['1018:TAXPAYER_UNKNOWN']],
      [5, 'accepted_with_warnings', ['1021:CASHIER_MISSING']],
    ]);
    expect(rows.map((r) => r.errors === null)).toEqual([true, false, false, false, false]);
    // Answers, not failures: the jobs complete and nothing is parked.
    expect(await h.queue.getJobCountByTypes('completed')).toBe(5);
    expect(await t.db.selectFrom('dead_letters').selectAll().where('job_id', 'like', `fn-${fn}-%`).execute()).toEqual([]);
    const event = (await findDocumentWithLifecycle(t.db, fn, 2))?.events.find((e) => e.kind === 'fns_answered');
    expect(event?.detail).toEqual({ status: 'rejected', errors: [{ tag: 1020, code: 'FLK_PAYMENTS_SUM', message: 'totalSum 18090 ≠ payments 100' }], duplicate: false });
    for (const result of ['ok', 'rejected', 'quarantine', 'warnings']) {
      expect(await counter(h.metrics, 'ofd_forward_total', { target: 'fns', result })).toBe(result === 'rejected' ? 2 : 1);
    }
  });

  it('rides out an FNS outage with retries and delivers everything exactly once after recovery', async () => {
    const fn = newFn();
    const fds = range(40);
    await store(fn, fds);
    const h = await harness({ clientOptions: { retries: 1, retryBaseDelayMs: 50, breakerThreshold: 1000 } });
    fns.setFaults({ outageMs: 1500 });
    await h.enqueue(fn, fds, { backoffMs: 200 });

    await waitFor(async () => (await statuses(fn)).filter((r) => r.status === 'retrying').length, (n) => n === 40);
    expect((await statuses(fn)).every((r) => r.last_error_code === 'FNS_SERVER_ERROR')).toBe(true);
    expect(await waitFor(() => answeredCount(fn), (n) => n === 40)).toBe(40);

    expectReceivedTimes(fn, fds);
    expect(fns.stats().requests.byStatus['503']).toBeGreaterThanOrEqual(2);
    const rows = await statuses(fn);
    expect(rows.every((r) => r.status === 'accepted' && r.attempts >= 2 && r.last_error_code === null)).toBe(true);
    expect(await counter(h.metrics, 'ofd_forward_total', { target: 'fns', result: 'retry' })).toBeGreaterThanOrEqual(40);
    expect(await counter(h.metrics, 'ofd_worker_jobs_total', { queue: 'fns', result: 'failed' })).toBeGreaterThanOrEqual(40);
    expect(await h.queue.getJobCountByTypes('failed')).toBe(0);
  });

  it('opens the circuit under repeated failures, stops sending while it is open, and closes after recovery', async () => {
    const fn = newFn();
    const fds = range(10);
    await store(fn, fds);
    const client: HttpFnsClient = createHttpFnsClient({ url: fns.url, retries: 0, breakerThreshold: 3, halfOpenAfterMs: 500, timeoutMs: 2000 });
    closers.push(() => client.close());
    const states: string[] = [];
    client.onCircuitStateChange((s) => states.push(s));
    // batchSize 1: one request per job, so the breaker sees many failures.
    const h = await harness({ client, batchSize: 1, concurrency: 4 });
    fns.setFaults({ outageMs: 2000 });
    await h.enqueue(fn, fds, { backoffMs: 50 });

    await waitFor(async () => states.includes('open'), (open) => open, 5000);
    expect(states[0]).toBe('open');
    // While open, jobs keep failing fast with FNS_CIRCUIT_OPEN and no request is made.
    const circuitOpen = await waitFor(
      async () => (await statuses(fn)).filter((r) => r.last_error_code === 'FNS_CIRCUIT_OPEN').length,
      (n) => n > 0,
      5000,
    );
    expect(circuitOpen).toBeGreaterThan(0);

    expect(await waitFor(() => answeredCount(fn), (n) => n === 10)).toBe(10);
    expect(client.circuitState()).toBe('closed');
    expect(states.at(-1)).toBe('closed');
    expectReceivedTimes(fn, fds);
    // Without the breaker ≈ 10 jobs × one try per 50 ms over 2 s (hundreds); with it: 3–4 to open (4 run at once), then
    // one probe per 500 ms.
    expect(fns.stats().requests.byStatus['503']).toBeLessThanOrEqual(12);
    const rows = await statuses(fn);
    expect(rows.every((r) => r.status === 'accepted')).toBe(true);
  });

  it('parks a document the FNS refuses (400) in dead_letters at once, delivers its neighbours, and `dlq replay` delivers it', async () => {
    const fn = newFn();
    const fds = range(6);
    await store(fn, fds);
    const h = await harness();
    fns.setFaults({ failDocuments: [{ fn, fd: 4 }] });
    await h.enqueue(fn, fds);

    const jobId = documentJobId(fn, 4);
    const letter = await waitFor(
      () => t.db.selectFrom('dead_letters').selectAll().where('queue', '=', 'fns').where('job_id', '=', jobId).executeTakeFirst(),
      (l) => l !== undefined,
    );
    expect(letter).toMatchObject({ job_name: 'send-to-fns', payload: { fn, fd: 4 }, error_code: 'FNS_BAD_REQUEST', attempts: 1, replayed_at: null });
    expect(letter?.error_message).toContain('INJECTED');
    await waitFor(() => answeredCount(fn), (n) => n === 5);
    expectReceivedTimes(fn, [1, 2, 3, 5, 6]);
    const dead = (await statuses(fn)).find((r) => r.fd === 4);
    expect(dead).toMatchObject({ status: 'dead', last_error_code: 'FNS_BAD_REQUEST', attempts: 1 });
    expect(await leasesOf(fn)).toEqual([]);
    // Terminal: no retries despite 50 attempts allowed.
    const failed = await h.queue.getJob(jobId);
    expect(await failed?.getState()).toBe('failed');
    expect(failed?.attemptsMade).toBe(1);
    expect(await counter(h.metrics, 'ofd_worker_jobs_total', { queue: 'fns', result: 'dead' })).toBe(1);
    const deadEvent = await t.db.selectFrom('document_events').select('detail').where('fn', '=', fn).where('kind', '=', 'fns_dead').executeTakeFirstOrThrow();
    expect(deadEvent.detail).toMatchObject({ code: 'FNS_BAD_REQUEST' });

    // `ofd dlq list` shows it; once the cause is gone, `ofd dlq replay <id>` sends it under its original job id.
    vi.stubEnv('DATABASE_URL', t.url);
    vi.stubEnv('REDIS_URL', redisUrl);
    vi.stubEnv('OFD_QUEUE_PREFIX', h.prefix);
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      expect(await runDlq(['list', '--queue', 'fns'])).toBe(0);
      const listed = out.map((l) => JSON.parse(l) as { id: number; jobId: string; errorCode: string });
      expect(listed.filter((l) => l.jobId === jobId)).toMatchObject([{ id: Number(letter!.id), errorCode: 'FNS_BAD_REQUEST' }]);

      fns.setFaults({ failDocuments: [] });
      out.length = 0;
      expect(await runDlq(['replay', String(letter!.id)])).toBe(0);
      expect(JSON.parse(out[0]!)).toEqual({ replayed: [{ id: Number(letter!.id), queue: 'fns', jobId }], skipped: [], missing: [] });
      out.length = 0;
      expect(await runDlq(['replay', '999999999'])).toBe(1);
      expect(JSON.parse(out[0]!)).toMatchObject({ missing: [999999999] });
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
    }

    await waitFor(() => answeredCount(fn), (n) => n === 6);
    expectReceivedTimes(fn, fds);
    expect((await statuses(fn)).find((r) => r.fd === 4)).toMatchObject({ status: 'accepted', attempts: 2, last_error_code: null });
    const replayed = await t.db.selectFrom('dead_letters').selectAll().where('id', '=', letter!.id).executeTakeFirstOrThrow();
    expect(replayed.replayed_at).toBeInstanceOf(Date);
    expect(replayed.replay_count).toBe(1);
    expect((await h.queue.getJob(jobId))?.returnvalue).toEqual({ status: 'accepted', sent: true });
    // A second replay finds the job completed, frees the id and re-adds it; the worker answers from fns_status.
    const again = await replayDeadLetters({ db: t.db, redis: redisUrl, prefix: h.prefix, ids: [Number(letter!.id)] });
    expect(again.replayed).toHaveLength(1);
    await waitFor(async () => (await h.queue.getJob(jobId))?.returnvalue as unknown, (v) => v !== null && v !== undefined && (v as { sent: boolean }).sent === false);
    expectReceivedTimes(fn, [4]);
  });

  it('parks a job whose document is not stored, and a malformed job, without sending anything', async () => {
    const fn = newFn();
    const h = await harness();
    await h.enqueue(fn, [77]);
    await h.queue.add('send-to-fns', { fn: 'nope', fd: 1 }, { jobId: `bad-${fn}`, attempts: 50 });
    const letters = await waitFor(
      () => t.db.selectFrom('dead_letters').select(['job_id', 'error_code', 'payload']).where('job_id', 'in', [documentJobId(fn, 77), `bad-${fn}`]).orderBy('job_id').execute(),
      (l) => l.length === 2,
    );
    expect(letters).toEqual([
      { job_id: `bad-${fn}`, error_code: 'FNS_BAD_JOB', payload: { fn: 'nope', fd: 1 } },
      { job_id: documentJobId(fn, 77), error_code: 'FNS_DOCUMENT_NOT_FOUND', payload: { fn, fd: 77 } },
    ]);
    expect(fns.stats().requests.total).toBe(0);
  });

  it('does not send again a document the FNS has answered, whatever re-delivers its job', async () => {
    const fn = newFn();
    await store(fn, [1, 2]);
    const h = await harness();
    await h.enqueue(fn, [1, 2]);
    await waitFor(() => answeredCount(fn), (n) => n === 2);
    // Re-delivery: the completed job is removed and added again under the same id (as a replay or a re-add would).
    for (const fd of [1, 2]) await (await h.queue.getJob(documentJobId(fn, fd)))?.remove();
    await h.enqueue(fn, [1, 2]);
    await waitFor(() => h.queue.getJobCountByTypes('completed'), (n) => n === 2);
    expect((await h.queue.getJob(documentJobId(fn, 1)))?.returnvalue).toEqual({ status: 'accepted', sent: false });
    expectReceivedTimes(fn, [1, 2]);
    expect((await statuses(fn)).map((r) => r.attempts)).toEqual([1, 1]);
  });

  it('honours a long Retry-After by pausing the queue, without using up attempts', async () => {
    const fn = newFn();
    await store(fn, [1, 2, 3]);
    const h = await harness({ clientOptions: { maxRetryAfterMs: 100 } });
    fns.setFaults({ rateLimit: { requests: 1, retryAfterS: 1 } });
    const started = Date.now();
    // One attempt only: had the 429 used it, the jobs would be dead.
    await h.enqueue(fn, [1, 2, 3], { attempts: 1 });
    expect(await waitFor(() => answeredCount(fn), (n) => n === 3)).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fns.stats().requests.byStatus).toMatchObject({ '429': 1 });
    expectReceivedTimes(fn, [1, 2, 3]);
    expect(await h.queue.getJobCountByTypes('failed')).toBe(0);
  });

  it('the at-least-once window: an answer lost to a timeout means a re-send, which the FNS answers as a duplicate', async () => {
    const fn = newFn();
    await store(fn, [1, 2]);
    const h = await harness({ clientOptions: { timeoutMs: 200, retries: 0 } });
    fns.setFaults({ latencyMs: 600 });
    await h.enqueue(fn, [1, 2], { backoffMs: 300 });
    // The FNS processed the batch; the worker timed out before the answer came.
    await waitFor(async () => (await statuses(fn)).filter((r) => r.last_error_code === 'FNS_TIMEOUT').length, (n) => n === 2);
    expect(fns.stats().documents.unique).toBe(2);
    fns.setFaults({ latencyMs: 0 });
    expect(await waitFor(() => answeredCount(fn), (n) => n === 2)).toBe(2);
    // Received twice, processed once: the (fn, fd) idempotency of the FNS.
    expectReceivedTimes(fn, [1, 2], 2);
    expect(fns.stats().documents).toMatchObject({ unique: 2, duplicates: 2 });
    const rows = await statuses(fn);
    expect(rows.every((r) => r.status === 'accepted' && r.attempts === 2)).toBe(true);
    expect(rows.map((r) => r.duplicate)).toEqual([true, true]);
    const events = await Promise.all([1, 2].map(async (fd) => (await findDocumentWithLifecycle(t.db, fn, fd))?.events.find((e) => e.kind === 'fns_answered')));
    expect(events.map((e) => e?.detail)).toEqual([
      { status: 'accepted', errors: [], duplicate: true },
      { status: 'accepted', errors: [], duplicate: true },
    ]);
  });
  it('delays a job whose document another worker is sending until that lease ends, without using up attempts', async () => {
    const fn = newFn();
    await store(fn, [1]);
    const h = await harness();
    await claimForFns(t.db, [{ fn, fd: 1 }], 800, 'another-worker');
    const started = Date.now();
    await h.enqueue(fn, [1], { attempts: 1 });
    await waitFor(async () => (await h.queue.getJob(documentJobId(fn, 1)))?.getState(), (s) => s === 'delayed', 5000);
    expect(fns.stats().requests.total).toBe(0);
    expect(await waitFor(() => answeredCount(fn), (n) => n === 1)).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expectReceivedTimes(fn, [1]);
  });
});

describe('fns processor send lease', () => {
  it('defers a document another (crashed) worker holds, sends it once the lease ends; the FNS dedupes the copy', async () => {
    const fn = newFn();
    await store(fn, [1]);
    const client: FnsClient = createHttpFnsClient({ url: fns.url, retries: 0 });
    closers.push(() => client.close());
    // A worker claims the document and sends it, then dies before storing the answer.
    expect(await claimForFns(t.db, [{ fn, fd: 1 }], 600, 'crashed-worker')).toEqual(new Set([`${fn}:1`]));
    const raw = (await readStoredContainers(t.db, [{ fn, fd: 1 }])).get(`${fn}:1`)!.rawContainer;
    await client.send([buildSubmission(fn, 1, raw)]);

    const processor = createFnsProcessor({ db: t.db, client, logger: silentLogger(), leaseMs: 600 });
    const job = { id: documentJobId(fn, 1), name: 'send-to-fns', data: { fn, fd: 1 }, attempt: 1, maxAttempts: 5 };
    const [deferred] = await processor([job]);
    expect(deferred).toMatchObject({ kind: 'deferred', error: { code: 'FNS_IN_FLIGHT' } });
    expect((deferred as { delayMs: number }).delayMs).toBeGreaterThan(0);
    expect((deferred as { delayMs: number }).delayMs).toBeLessThanOrEqual(600);
    expect(fns.stats().perDocument[`${fn}:1`]?.received).toBe(1);

    await new Promise((r) => setTimeout(r, 650));
    const [answered] = await processor([{ ...job, attempt: 2 }]);
    expect(answered).toEqual({ kind: 'answered', status: 'accepted', errors: [], sent: true });
    expect(fns.stats().perDocument[`${fn}:1`]?.received).toBe(2);
    expect((await statuses(fn))[0]).toMatchObject({ status: 'accepted', lease_owner: null, attempts: 1 });

    const [again] = await processor([{ ...job, attempt: 3 }]);
    expect(again).toEqual({ kind: 'answered', status: 'accepted', errors: [], sent: false });
    expect(fns.stats().perDocument[`${fn}:1`]?.received).toBe(2);
  });

  it('writes each answer once, and keeps no lease afterwards: plain answers as one fns_plain_answers row, the rest into fns_status (migrations 0072, 0080)', async () => {
    const fn = newFn();
    await store(fn, [1, 2]);
    await store(fn, [3], 'warnings');
    const client: FnsClient = createHttpFnsClient({ url: fns.url, retries: 0 });
    closers.push(() => client.close());
    const processor = createFnsProcessor({ db: t.db, client, logger: silentLogger() });
    const jobs = [1, 2, 3].map((fd) => ({ id: documentJobId(fn, fd), name: 'send-to-fns', data: { fn, fd }, attempt: 1, maxAttempts: 5 }));
    // Every write to this FN's status rows, as PostgreSQL performs it (an insert … on conflict that updates counts as
    // an update).
    await sql`create table fns_status_writes (op text, fd bigint)`.execute(t.db);
    await sql`
      create function fns_status_write_log() returns trigger language plpgsql as $$
      begin
        if new.fn = ${sql.lit(fn)} then insert into fns_status_writes values (tg_op, new.fd); end if;
        return new;
      end $$`.execute(t.db);
    await sql`create trigger fns_status_write_log before insert or update on fns_status for each row execute function fns_status_write_log()`.execute(t.db);
    const before = await sql<{ n: number }>`select count(*)::int as n from fns_plain_answers`.execute(t.db);
    try {
      const outcomes = await processor(jobs);
      expect(outcomes.map((o) => o.kind === 'answered' && o.status)).toEqual(['accepted', 'accepted', 'accepted_with_warnings']);
      const { rows } = await sql<{ op: string; fd: string }>`select op, fd::text from fns_status_writes order by fd`.execute(t.db);
      expect(rows).toEqual([{ op: 'INSERT', fd: '3' }]);
    } finally {
      await sql`drop trigger fns_status_write_log on fns_status`.execute(t.db);
      await sql`drop function fns_status_write_log()`.execute(t.db);
      await sql`drop table fns_status_writes`.execute(t.db);
    }
    // The two plain answers: one row, naming the two documents by their key numbers' group and positions (their
    // numbers are consecutive: one group, unless they straddle a multiple of 64).
    const slots = (await t.db.selectFrom('document_keys').select(['fd', 'fns_slot']).where('fn', '=', fn).orderBy('fd').execute()).map((k) => Number(k.fns_slot));
    const groups = [...new Set(slots.slice(0, 2).map((n) => Math.floor(n / 64)))];
    const { rows: plain } = await sql<{ slot_group: string; positions: number[] }>`
      select slot_group::text, positions from fns_plain_answers
       where slot_group = any (${groups}::bigint[]) and positions && ${slots.slice(0, 2).map((n) => n % 64)}::smallint[]
       order by slot_group`.execute(t.db);
    expect(plain).toEqual(groups.map((g) => ({ slot_group: String(g), positions: slots.slice(0, 2).filter((n) => Math.floor(n / 64) === g).map((n) => n % 64) })));
    expect((await sql<{ n: number }>`select count(*)::int as n from fns_plain_answers`.execute(t.db)).rows[0]!.n).toBe(before.rows[0]!.n + groups.length);
    expect((await statuses(fn)).map((r) => [Number(r.fd), r.status, r.attempts])).toEqual([
      [1, 'accepted', 1],
      [2, 'accepted', 1],
      [3, 'accepted_with_warnings', 1],
    ]);
    expect(await t.db.selectFrom('fns_leases').select('fd').where('fn', '=', fn).execute()).toEqual([]);
  });

  it('does not send a document whose answer another batch committed while this one claimed it', async () => {
    const fn = newFn();
    await store(fn, [1, 2]);
    const client: FnsClient = createHttpFnsClient({ url: fns.url, retries: 0 });
    closers.push(() => client.close());
    // The other batch's answer for fd 1 commits right after this batch's claim statement (its lease already gone, so the
    // claim took the document): what the claim's own check could not see yet.
    let injected = false;
    const claims = new Set<unknown>();
    const afterClaim: KyselyPlugin = {
      transformQuery: (args) => {
        const fragments = (args.node as { sqlFragments?: readonly string[] }).sqlFragments;
        if (fragments?.some((f) => f.includes('insert into fns_leases'))) claims.add(args.queryId);
        return args.node;
      },
      transformResult: async (args) => {
        if (!injected && claims.has(args.queryId)) {
          expect(args.result.rows).toHaveLength(2);
          injected = true;
          await sql`insert into fns_status (fn, fd, status, attempts, sent_at, answered_at, duplicate) values (${fn}, 1, 'accepted', 1, now(), now(), false)`.execute(t.db);
        }
        return args.result;
      },
    };
    const processor = createFnsProcessor({ db: t.db.withPlugin(afterClaim), client, logger: silentLogger() });
    const jobs = [1, 2].map((fd) => ({ id: documentJobId(fn, fd), name: 'send-to-fns', data: { fn, fd }, attempt: 1, maxAttempts: 5 }));
    expect(await processor(jobs)).toEqual([
      { kind: 'answered', status: 'accepted', errors: [], sent: false },
      { kind: 'answered', status: 'accepted', errors: [], sent: true },
    ]);
    expect(injected).toBe(true);
    expect(fns.stats().perDocument[`${fn}:1`]).toBeUndefined();
    expect(fns.stats().perDocument[`${fn}:2`]?.received).toBe(1);
    expect(await leasesOf(fn)).toEqual([]);
  });

  it('vacuums fns_leases as it goes, so the dead leases of documents sent do not pile up', async () => {
    const fn = newFn();
    const fds = range(600);
    await store(fn, fds);
    const client: FnsClient = createHttpFnsClient({ url: fns.url, retries: 0 });
    closers.push(() => client.close());
    const leasesBytes = async () => Number((await sql<{ n: string }>`select pg_relation_size('fns_leases')::text as n`.execute(t.db)).rows[0]!.n);
    const sendAll = async (vacuumMs: number) => {
      const processor = createFnsProcessor({ db: t.db, client, logger: silentLogger(), leaseVacuumMs: vacuumMs });
      for (let i = 0; i < fds.length; i += 50) {
        const jobs = fds.slice(i, i + 50).map((fd) => ({ id: documentJobId(fn, fd), name: 'send-to-fns', data: { fn, fd }, attempt: 1, maxAttempts: 5 }));
        await processor(jobs);
        // Let the VACUUM started after this batch finish before the next claims (it runs in the background).
        await new Promise((r) => setTimeout(r, 30));
      }
    };
    await sql`vacuum fns_leases`.execute(t.db);
    const before = await leasesBytes();
    await sendAll(0);
    expect(await answeredCount(fn)).toBe(600);
    // 600 leases of ≈ 100 bytes would take 8 pages; vacuumed after every batch of 50, one or two pages are reused.
    expect(await leasesBytes()).toBeLessThanOrEqual(before + 3 * 8192);
    expect(await t.db.selectFrom('fns_leases').select('fd').where('fn', '=', fn).execute()).toEqual([]);
  });

  it("honours a 'sending' row written before migration 0072 until its lease ends, then overwrites it", async () => {
    const fn = newFn();
    await store(fn, [1]);
    await sql`insert into fns_status (fn, fd, status, lease_until, lease_owner) values (${fn}, 1, 'sending', now() + interval '600 milliseconds', 'old-worker')`.execute(t.db);
    const client: FnsClient = createHttpFnsClient({ url: fns.url, retries: 0 });
    closers.push(() => client.close());
    const processor = createFnsProcessor({ db: t.db, client, logger: silentLogger(), leaseMs: 600 });
    const job = { id: documentJobId(fn, 1), name: 'send-to-fns', data: { fn, fd: 1 }, attempt: 1, maxAttempts: 5 };
    const [deferred] = await processor([job]);
    expect(deferred).toMatchObject({ kind: 'deferred', error: { code: 'FNS_IN_FLIGHT' } });
    expect(fns.stats().perDocument[`${fn}:1`]).toBeUndefined();
    await new Promise((r) => setTimeout(r, 650));
    expect(await processor([{ ...job, attempt: 2 }])).toEqual([{ kind: 'answered', status: 'accepted', errors: [], sent: true }]);
    expect((await statuses(fn))[0]).toMatchObject({ status: 'accepted', lease_until: null, lease_owner: null, attempts: 1 });
  });

  it('a failure recorded after the lease was taken over writes nothing and leaves the new lease alone', async () => {
    const fn = newFn();
    await store(fn, [1]);
    expect(await claimForFns(t.db, [{ fn, fd: 1 }], 1, 'slow-worker')).toEqual(new Set([`${fn}:1`]));
    await new Promise((r) => setTimeout(r, 20));
    expect(await claimForFns(t.db, [{ fn, fd: 1 }], 60_000, 'next-worker')).toEqual(new Set([`${fn}:1`]));
    const failure = { kind: 'retrying' as const, errorCode: 'FNS_UNAVAILABLE', error: 'HTTP 503', fn, fd: 1, receivedAt: undefined, sentAt: new Date() };
    await recordFnsOutcomes(t.db, 'slow-worker', [failure], [{ fn, fd: 1 }]);
    expect(await statuses(fn)).toEqual([]);
    expect(await t.db.selectFrom('fns_leases').select('lease_owner').where('fn', '=', fn).execute()).toEqual([{ lease_owner: 'next-worker' }]);
    // An answer always wins, lease or not.
    const answer = { kind: 'answered' as const, status: 'accepted' as const, errors: [], duplicate: false, fn, fd: 1, receivedAt: undefined, sentAt: new Date() };
    await recordFnsOutcomes(t.db, 'slow-worker', [answer], [{ fn, fd: 1 }]);
    expect(await statuses(fn)).toMatchObject([{ status: 'accepted', attempts: 1 }]);
  });

  it('bisects a batch refused with a 400 that names no document, so only the bad one is parked', async () => {
    const fn = newFn();
    await store(fn, range(5));
    const http = createHttpFnsClient({ url: fns.url, retries: 0 });
    closers.push(() => http.close());
    const batches: number[][] = [];
    const client: FnsClient = {
      async send(batch) {
        batches.push(batch.map((s) => s.fd));
        if (batch.some((s) => s.fd === 3)) throw new FnsError(FnsErrorCodes.FNS_BAD_REQUEST, 'refused', { status: 400 });
        return http.send(batch);
      },
      close: () => Promise.resolve(),
    };
    const processor = createFnsProcessor({ db: t.db, client, logger: silentLogger() });
    const jobs = range(5).map((fd) => ({ id: documentJobId(fn, fd), name: 'send-to-fns', data: { fn, fd }, attempt: 1, maxAttempts: 10 }));
    const outcomes = await processor(jobs);
    expect(outcomes.map((o) => o.kind)).toEqual(['answered', 'answered', 'dead', 'answered', 'answered']);
    expect(batches).toEqual([[1, 2, 3, 4, 5], [1, 2, 3], [1, 2], [3], [4, 5]]);
    expectReceivedTimes(fn, [1, 2, 4, 5]);
    expect((await statuses(fn)).map((r) => r.status)).toEqual(['accepted', 'accepted', 'dead', 'accepted', 'accepted']);
  });

  it('parks the job on its last attempt: fns_status dead and a dead letter', async () => {
    const fn = newFn();
    await store(fn, [1]);
    const client: FnsClient = createHttpFnsClient({ url: fns.url, retries: 0 });
    closers.push(() => client.close());
    fns.setFaults({ outageMs: 60_000 });
    const processor = createFnsProcessor({ db: t.db, client, logger: silentLogger() });
    const job = { id: documentJobId(fn, 1), name: 'send-to-fns', data: { fn, fd: 1 }, attempt: 3, maxAttempts: 4 };
    expect((await processor([job]))[0]).toMatchObject({ kind: 'retry', error: { code: 'FNS_SERVER_ERROR' } });
    expect((await statuses(fn))[0]).toMatchObject({ status: 'retrying', attempts: 1, last_error_code: 'FNS_SERVER_ERROR' });
    expect((await processor([{ ...job, attempt: 4 }]))[0]).toMatchObject({ kind: 'dead', error: { code: 'FNS_SERVER_ERROR' } });
    expect((await statuses(fn))[0]).toMatchObject({ status: 'dead', attempts: 2 });
    const letter = await t.db.selectFrom('dead_letters').selectAll().where('job_id', '=', job.id).executeTakeFirstOrThrow();
    expect(letter).toMatchObject({ queue: 'fns', error_code: 'FNS_SERVER_ERROR', attempts: 4 });
  });
});
