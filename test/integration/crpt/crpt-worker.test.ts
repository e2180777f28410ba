// The crpt worker end to end on real PostgreSQL, Redis and HTTP: receipts with marking codes stored by the persist
// processor → `crpt` jobs → fake-crpt (signed-challenge auth) → crpt_sales / crpt_code_status; CRPT down for a while.
import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { saleId } from '../../../src/adapters/crpt/crpt-api.js';
import { startFakeCrpt, type FakeCrpt } from '../../../src/adapters/crpt/fake-crpt-server.js';
import type { CrptClient } from '../../../src/adapters/crpt/http-crpt-client.js';
import { createRsaCmsSigner, generateDevRsaKey } from '../../../src/adapters/crpt/signer.js';
import { findCrptCodeStatuses, findCrptSale } from '../../../src/db/crpt-status.repository.js';
import { findDocumentView } from '../../../src/db/document-view.repository.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { documentJobId } from '../../../src/queue/job-ids.js';
import { startCrptWorker } from '../../../src/workers/crpt/crpt.worker.js';
import { createPersistProcessor, type PersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { startMarkingListener } from '../../../src/marking/marking-listener.js';
import { exchange, MASTER_KEY } from '../../support/kkt.js';
import { parseAnswer, saleNotification } from '../marking/marking-support.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { MARKING_CODE, realJob, richReceiptChildren, waitFor } from '../workers/worker-test-helpers.js';

const redisUrl = inject('redisUrl');
const prefixes: string[] = [];
const closers: Array<() => Promise<unknown>> = [];
const signer = createRsaCmsSigner(generateDevRsaKey('crpt-worker-test', 1024));
let t: TestDatabase;
let crpt: FakeCrpt;
let persist: PersistProcessor;
let fnCounter = 0;

beforeAll(async () => {
  t = await createTestDatabase({ maxConnections: 10 });
  crpt = await startFakeCrpt();
  persist = createPersistProcessor({ db: t.db, logger: silentLogger() });
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  crpt.reset();
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysWithPrefix(redisUrl, prefix);
  await crpt.close();
  await t.drop();
});

const newFn = () => `99993000000000${String(++fnCounter).padStart(2, '0')}`;

async function harness(
  opts: { saleRetry?: { attempts?: number; backoffMs?: number }; concurrency?: number } = {},
): Promise<{ prefix: string; queue: Queue; metrics: Metrics; enqueue(fn: string, fd: number): Promise<void> }> {
  const prefix = uniquePrefix('crpt');
  prefixes.push(prefix);
  const metrics = createMetrics({ defaultMetrics: false });
  const worker = startCrptWorker({
    redisUrl,
    prefix,
    db: t.db,
    logger: silentLogger(),
    metrics,
    crptUrl: crpt.url,
    signer,
    clientOptions: { retries: 0, timeoutMs: 2000, breakerThreshold: 1000 },
    ...(opts.saleRetry ? { saleRetry: opts.saleRetry } : {}),
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  });
  closers.push(() => worker.close());
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('crpt', { connection, prefix });
  closers.push(async () => {
    await queue.close();
    connection.disconnect();
  });
  return {
    prefix,
    queue,
    metrics,
    enqueue: async (fn, fd) => {
      await queue.add('send-to-crpt', { fn, fd }, { jobId: documentJobId(fn, fd), attempts: 100, backoff: { type: 'fixed', delay: 100 } });
    },
  };
}

async function counter(metrics: Metrics, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric('ofd_forward_total');
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)).reduce((s, v) => s + v.value, 0);
}

describe('crpt worker', () => {
  it('delivers the sale data of a receipt with marking codes exactly once, with CRPT down for a while', async () => {
    const fn = newFn();
    const results = await persist([realJob(fn, 1, richReceiptChildren(fn, 1)), realJob(fn, 2, richReceiptChildren(fn, 2))]);
    expect(results.every((r) => r.ok)).toBe(true);
    crpt.setFaults({ outageMs: 1500 });
    const h = await harness();
    await h.enqueue(fn, 1);
    await h.enqueue(fn, 2);
    // A re-delivered copy of a job (a replay under a new id) must not send again once delivered.
    const sale = await waitFor(
      () => findCrptSale(t.db, { source: 'receipt', fn, fd: 2 }),
      (r) => r?.status === 'delivered',
      20_000,
    );
    expect(sale?.status).toBe('delivered');
    await waitFor(
      () => findCrptSale(t.db, { source: 'receipt', fn, fd: 1 }),
      (r) => r?.status === 'delivered',
      20_000,
    );
    expect(crpt.stats().faulted).toBeGreaterThan(0);
    await h.queue.add('send-to-crpt', { fn, fd: 1 }, { jobId: `${documentJobId(fn, 1)}-replay` });
    await new Promise((r) => setTimeout(r, 500));

    for (const fd of [1, 2]) {
      const got = crpt.sales().get(saleId('receipt', fn, fd));
      expect(got?.received, `fd ${fd}`).toBe(1);
      expect(got?.sale.codes).toEqual([{ cis: MARKING_CODE, checkResult: null, itemStatus: 1 }]);
    }
    expect(crpt.stats().sales).toMatchObject({ unique: 2, duplicates: 0 });
    const codes = await findCrptCodeStatuses(t.db, fn, 1);
    expect(codes).toMatchObject([{ source: 'receipt', code: MARKING_CODE, stage: 'crpt_answered', crpt_status: expect.any(String) }]);
    // What `ofd show` and the API's document detail print: the code with its stage.
    const view = await findDocumentView(t.db, fn, 1);
    expect(view?.status.marking).toEqual([{ code: MARKING_CODE, stage: 'crpt_answered', crptStatus: codes[0]!.crpt_status, checkResult: codes[0]!.check_result }]);
    expect(await counter(h.metrics, { target: 'crpt', result: 'ok' })).toBe(2);
    expect(await counter(h.metrics, { target: 'crpt', result: 'retry' })).toBeGreaterThan(0);
  });

  it('forwards a form-82 sale notification from the marking listener to CRPT once, however often the FN re-sends it', async () => {
    const fn = newFn();
    const h = await harness();
    const listener = await startMarkingListener({ host: '127.0.0.1', port: 0, logger: silentLogger(), masterKey: MASTER_KEY, redisUrl, prefix: h.prefix });
    closers.push(() => listener.close());
    crpt.setFaults({ outageMs: 800 });
    const msg = saleNotification(fn, 3, 9, [MARKING_CODE, 'xSOLDx']);
    for (let i = 0; i < 3; i++) expect(parseAnswer(fn, (await exchange(listener.port, msg, { timeoutMs: 3000 })).reply).form).toBe(84);
    const sale = await waitFor(
      () => findCrptSale(t.db, { source: 'notification', fn, fd: 9 }),
      (r) => r?.status === 'delivered',
    );
    expect(sale?.status).toBe('delivered');
    const got = crpt.sales().get(saleId('notification', fn, 9));
    expect(got?.received).toBe(1);
    expect(got?.sale.codes).toEqual([
      { cis: MARKING_CODE, checkResult: 15, itemStatus: 1 },
      { cis: 'xSOLDx', checkResult: 15, itemStatus: 1 },
    ]);
    const codes = await findCrptCodeStatuses(t.db, fn, 9);
    expect(codes.map((c) => [c.code, c.stage, c.crpt_status])).toEqual([
      [MARKING_CODE, 'crpt_answered', expect.any(String)],
      ['xSOLDx', 'crpt_answered', 'RETIRED'],
    ]);
  });

  it('dead-letters a job for a document that is not stored', async () => {
    const fn = newFn();
    const h = await harness();
    await h.enqueue(fn, 7);
    const dead = await waitFor(
      () => t.db.selectFrom('dead_letters').selectAll().where('queue', '=', 'crpt').where('job_id', '=', documentJobId(fn, 7)).executeTakeFirst(),
      (r) => r !== undefined,
    );
    expect(dead).toMatchObject({ error_code: 'CRPT_DOCUMENT_NOT_FOUND' });
    expect(crpt.stats().requests).toBe(0);
  });

  it('sends the sales of a batch job each once, puts those CRPT failed back as a smaller batch, and parks one not stored alone', async () => {
    const fn = newFn();
    const results = await persist([1, 2, 3].map((fd) => realJob(fn, fd, richReceiptChildren(fn, fd))));
    expect(results.every((r) => r.ok)).toBe(true);
    crpt.setFaults({ outageMs: 1500 });
    const h = await harness({ saleRetry: { backoffMs: 200 }, concurrency: 2 });
    const sales = [{ fn, fd: 1, receivedAt: results[0]!.ok ? results[0]!.receivedAt : '' }, { fn, fd: 2 }, { fn, fd: 9 }, { fn, fd: 3 }, { fn: 'not an FN', fd: 4 }];
    await h.queue.add('send-batch-to-crpt', { sales }, { jobId: 'crpt-batch-under-test', attempts: 3 });

    for (const fd of [1, 2, 3]) {
      const sale = await waitFor(() => findCrptSale(t.db, { source: 'receipt', fn, fd }), (r) => r?.status === 'delivered', 20_000);
      expect(sale?.status, `fd ${fd}`).toBe('delivered');
      const got = crpt.sales().get(saleId('receipt', fn, fd));
      expect(got?.received, `fd ${fd}`).toBe(1);
      expect(got?.sale.codes).toEqual([{ cis: MARKING_CODE, checkResult: null, itemStatus: 1 }]);
    }
    expect(crpt.stats().faulted).toBeGreaterThan(0);
    // The sales CRPT was down for went back as batch jobs of their own, each sale with the attempt it used.
    const again = (await h.queue.getJobs(['completed', 'waiting', 'delayed', 'active'])).filter((j) => j.id !== 'crpt-batch-under-test');
    expect(again.length).toBeGreaterThan(0);
    for (const j of again) {
      expect(j.name).toBe('send-batch-to-crpt');
      for (const s of (j.data as { sales: { fd: number; attempts?: number }[] }).sales) {
        expect([1, 2, 3]).toContain(s.fd);
        expect(s.attempts).toBeGreaterThanOrEqual(1);
      }
    }
    // The one not stored and the entry that is no sale are parked alone, as one-sale jobs a replay sends on their own.
    const letters = await waitFor(
      () => t.db.selectFrom('dead_letters').select(['job_id', 'job_name', 'error_code', 'payload']).where('queue', '=', 'crpt').where('job_id', 'in', [documentJobId(fn, 9), 'crpt-batch-under-test-4']).orderBy('job_id').execute(),
      (rows) => rows.length === 2,
    );
    expect(letters).toEqual([
      { job_id: 'crpt-batch-under-test-4', job_name: 'send-to-crpt', error_code: 'CRPT_BAD_JOB', payload: { fn: 'not an FN', fd: 4 } },
      { job_id: documentJobId(fn, 9), job_name: 'send-to-crpt', error_code: 'CRPT_DOCUMENT_NOT_FOUND', payload: { fn, fd: 9 } },
    ]);
    const first = await h.queue.getJob('crpt-batch-under-test');
    expect(await first?.getState()).toBe('completed');
    expect(first?.returnvalue).toMatchObject({ sales: 5, dead: 2 });
    expect(await counter(h.metrics, { target: 'crpt', result: 'ok' })).toBe(3);
    expect(crpt.stats().sales).toMatchObject({ unique: 3, duplicates: 0 });
  });

  it('a batch job run again sends no sale that settled meanwhile — delivered or parked — and a replay of a parked one does', async () => {
    const fn = newFn();
    const results = await persist([1, 2].map((fd) => realJob(fn, fd, richReceiptChildren(fn, fd))));
    expect(results.every((r) => r.ok)).toBe(true);
    const h = await harness();
    await h.queue.add('send-batch-to-crpt', { sales: [{ fn, fd: 1 }, { fn, fd: 2 }] }, { jobId: 'first-run' });
    await waitFor(() => h.queue.getJob('first-run'), (j) => j?.finishedOn !== undefined);
    // As if fd 2 had been parked since (CRPT refused it, or it stalled): the batch runs again, as after a crash.
    await sql`update crpt_sales set status = 'dead', last_error_code = 'CRPT_REFUSED' where fn = ${fn} and fd = 2`.execute(t.db);
    await h.queue.add('send-batch-to-crpt', { sales: [{ fn, fd: 1 }, { fn, fd: 2 }] }, { jobId: 'second-run' });
    const second = await waitFor(() => h.queue.getJob('second-run'), (j) => j?.finishedOn !== undefined);
    expect(second?.returnvalue).toEqual({ sales: 2, delivered: 1, retrying: 0, waiting: 0, dead: 0, parked: 1 });
    for (const fd of [1, 2]) expect(crpt.sales().get(saleId('receipt', fn, fd))?.received, `fd ${fd}`).toBe(1);
    expect(await findCrptSale(t.db, { source: 'receipt', fn, fd: 2 })).toMatchObject({ status: 'dead' });
    // What `ofd dlq replay` adds: a one-sale job, which sends it again.
    await h.queue.add('send-to-crpt', { fn, fd: 2 }, { jobId: 'replayed' });
    await waitFor(() => findCrptSale(t.db, { source: 'receipt', fn, fd: 2 }), (r) => r?.status === 'delivered');
    expect(crpt.sales().get(saleId('receipt', fn, 2))?.received).toBe(2);
  });

  it('a paused worker starts no further sale of a running batch until resumed, and keeps sales in flight within its concurrency', async () => {
    const fn = newFn();
    const fds = [1, 2, 3, 4, 5, 6];
    const results = await persist(fds.map((fd) => realJob(fn, fd, richReceiptChildren(fn, fd))));
    expect(results.every((r) => r.ok)).toBe(true);
    // CRPT as a client that answers after 150 ms and counts the sales it is sent at once.
    const sent: number[] = [];
    let inFlight = 0;
    let most = 0;
    const slow: CrptClient = {
      authenticate: () => Promise.resolve('token'),
      checkCodes: () => Promise.resolve([]),
      submitSale: async (sale) => {
        sent.push(sale.fd);
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 150));
        inFlight -= 1;
        return { saleId: sale.saleId, duplicate: false, codes: sale.codes.map((c) => ({ cis: c.cis, status: 'RETIRED' as const })) };
      },
      circuitState: () => 'closed',
      close: () => Promise.resolve(),
    };
    const prefix = uniquePrefix('crpt-paused');
    prefixes.push(prefix);
    const worker = startCrptWorker({ redisUrl, prefix, db: t.db, logger: silentLogger(), client: slow, concurrency: 2 });
    closers.push(() => worker.close());
    const queue = new Queue('crpt', { connection: { url: redisUrl }, prefix });
    closers.push(() => queue.close());
    await queue.add('send-batch-to-crpt', { sales: fds.map((fd) => ({ fn, fd })) }, { jobId: 'paused-batch' });
    await waitFor(() => Promise.resolve(sent.length), (n) => n >= 1, 10_000);
    await worker.pause();
    const atPause = sent.length;
    await new Promise((r) => setTimeout(r, 800));
    // What was in flight finished; nothing more started (at most the other slot's sale, begun as the pause came).
    expect(sent.length).toBeLessThanOrEqual(atPause + 1);
    expect(sent.length).toBeLessThan(fds.length);
    worker.resume();
    const done = await waitFor(() => queue.getJob('paused-batch'), (j) => j?.finishedOn !== undefined, 10_000);
    expect(done?.returnvalue).toMatchObject({ sales: 6, delivered: 6, waiting: 0 });
    expect([...sent].sort((a, b) => a - b)).toEqual(fds);
    expect(most).toBeLessThanOrEqual(2);
    expect(most).toBe(2);
  });
});
