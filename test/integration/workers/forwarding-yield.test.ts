// Forwarding yields to storing (issue 12): while the persist worker is backlogged, the fns worker of the same process
// fetches nothing; once the backlog clears it sends what waited. Real PostgreSQL, Redis, BullMQ workers and HTTP (the
// fake FNS); the backlog is made by holding the persist transactions at fiscal_drives with a lock from another session.
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFakeFns, type FakeFns } from '../../../src/adapters/fns/fake-fns-server.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer } from '../../../src/queue/document-producer.js';
import { FNS_BATCH_JOB, type FnsBatchJob } from '../../../src/queue/fns-jobs.js';
import { startFnsWorker } from '../../../src/workers/fns/fns.worker.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { startPersistWorker } from '../../../src/workers/persist/persist.worker.js';
import { followPersistBacklog } from '../../../src/workers/shared/forwarding-yield.js';
import { receiptFor } from '../../unit/fns/fns-documents.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { realJob, waitFor } from './worker-test-helpers.js';

const redisUrl = inject('redisUrl');
const closers: Array<() => Promise<unknown>> = [];
let t: TestDatabase;
let fns: FakeFns;
let prefix: string;

beforeAll(async () => {
  t = await createTestDatabase({ maxConnections: 10 });
  fns = await startFakeFns();
  prefix = uniquePrefix('fwdyield');
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  await deleteKeysWithPrefix(redisUrl, prefix);
  await fns.close();
  await t.drop();
});

const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

/** fns_status rows of `fn` the FNS answered. */
async function answered(fn: string): Promise<number> {
  const { rows } = await t.pool.query<{ n: string }>(`select count(*) as n from fns_outcomes where fn = $1 and status = 'accepted'`, [fn]);
  return Number(rows[0]!.n);
}

describe('forwarding yields to storing', () => {
  it('pauses the fns worker while the persist worker is backlogged and sends what waited once it is not', async () => {
    // Documents stored before: their FNS job is added while storing is backlogged.
    const waitingFn = '9999400000000001';
    const persistNow = createPersistProcessor({ db: t.db, logger: silentLogger() });
    expect((await persistNow(range(5).map((fd) => realJob(waitingFn, fd, receiptFor(waitingFn, fd, 'accepted'))))).every((r) => r.ok)).toBe(true);

    const producer = createDocumentProducer({ connection: redisUrl, prefix });
    closers.push(() => producer.close());
    await producer.waitUntilReady();
    const persist = startPersistWorker({ redisUrl, prefix, db: t.db, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), batchSize: 5, maxDelayMs: 5 });
    closers.push(() => persist.close());
    const fnsWorker = startFnsWorker({ redisUrl, prefix, db: t.db, logger: silentLogger(), fnsUrl: fns.url, maxDelayMs: 20, clientOptions: { retries: 0, timeoutMs: 2000 } });
    closers.push(() => fnsWorker.close());
    const states: boolean[] = [];
    const stop = followPersistBacklog({
      backlogged: () => persist.backlogged(),
      workers: [fnsWorker],
      settings: { maxPauseMs: 60_000, minRunMs: 1_000, clearMs: 300, confirmSamples: 2 },
      logger: silentLogger(),
      onChange: (paused) => states.push(paused),
      sampleMs: 50,
    });
    closers.push(() => Promise.resolve(stop()));
    const fnsQueue = new Queue('fns', { connection: { url: redisUrl }, prefix });
    closers.push(() => fnsQueue.close());

    const holder = new pg.Client({ connectionString: t.url });
    await holder.connect();
    closers.push(() => holder.end());
    await holder.query('begin');
    // Every persist transaction stops at its drives' rows: two in flight, the rest of the documents wait for a slot.
    await holder.query('lock table fiscal_drives in share mode');
    const newFn = '9999400000000002';
    for (const fd of range(40)) await producer.enqueue(realJob(newFn, fd, receiptFor(newFn, fd, 'accepted')));
    await waitFor(() => Promise.resolve(states), (s) => s.includes(true), 10_000);
    expect(states).toEqual([true]);
    expect(persist.backlogged()).toBe(true);

    // Forwarding is paused: a job added now is not sent while the backlog lasts (the idle worker's blocking fetch may
    // still take it; it then waits at the worker's gate, active and unsent).
    await fnsQueue.add(FNS_BATCH_JOB, { documents: range(5).map((fd) => ({ fn: waitingFn, fd })) } satisfies FnsBatchJob);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await fnsQueue.getJobCountByTypes('waiting', 'active')).toBe(1);
    expect(await fnsQueue.getJobCountByTypes('completed')).toBe(0);
    expect(await answered(waitingFn)).toBe(0);
    expect(fns.stats().requests.total).toBe(0);

    // The backlog clears: forwarding resumes and sends what waited, and what storing forwarded meanwhile.
    await holder.query('rollback');
    expect(await waitFor(() => answered(waitingFn), (n) => n === 5, 20_000)).toBe(5);
    expect(await waitFor(() => answered(newFn), (n) => n === 40, 20_000)).toBe(40);
    expect(states).toEqual([true, false]);
  });
});
