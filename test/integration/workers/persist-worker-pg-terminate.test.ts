// PostgreSQL "restarted" under load, as far as the persist worker can tell: every backend connection of the worker is
// terminated (pg_terminate_backend on its application_name), several times, in the middle of a drain.
//
// This stands in for restarting the server, which the shared test PostgreSQL must not go through: to a client, a
// restart is exactly this — every connection dropped (SQLSTATE 57P01, or a reset socket), transactions in flight rolled
// back, possibly a COMMIT that happened but whose answer was lost — followed by new connections being accepted. What a
// real restart adds (a few seconds of refused connections, crash recovery) is the same failure for longer.
//
// Every job must end up persisted exactly once: documents, items, events and shift counters exact, every one forwarded to fns,
// nothing parked as dead.
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, type DbHandle } from '../../../src/db/database.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer } from '../../../src/queue/document-producer.js';
import { startPersistWorker, type PersistWorker } from '../../../src/workers/persist/persist.worker.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { fnsWaiting, realJob, waitFor } from './worker-test-helpers.js';

const redisUrl = inject('redisUrl');
const prefix = uniquePrefix('persist-pg-terminate');
const applicationName = `ofd-persist-terminate-${randomBytes(4).toString('hex')}`;
let t: TestDatabase;
let workerDb: DbHandle | undefined;
let worker: PersistWorker | undefined;
const queues: Queue[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await worker?.close();
  await workerDb?.close();
  await Promise.all(queues.map((q) => q.close()));
  await deleteKeysWithPrefix(redisUrl, prefix);
  await t.drop();
});

const count = async (table: 'documents' | 'receipt_items' | 'document_events') =>
  Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

/** Terminates every backend of the worker's pool; returns how many there were. */
async function terminateWorkerConnections(): Promise<number> {
  const { rows } = await sql<{ terminated: boolean }>`
    select pg_terminate_backend(pid) as terminated from pg_stat_activity where application_name = ${applicationName}
  `.execute(t.db);
  return rows.filter((r) => r.terminated).length;
}

describe('persist worker when PostgreSQL drops every connection mid-drain (stands in for a restart)', () => {
  it('persists every document exactly once, counters exact', { timeout: 120_000 }, async () => {
    const fns = ['9999600000000001', '9999600000000002'];
    const perFn = 1500;
    const total = fns.length * perFn;
    const producer = createDocumentProducer({ connection: redisUrl, prefix });
    await producer.waitUntilReady();
    // Built first: signing 3000 containers blocks the event loop longer than the producer's 1 s write deadline.
    const jobs = fns.flatMap((fn) => Array.from({ length: perFn }, (_, i) => realJob(fn, i + 1)));
    const enqueued = await Promise.all(jobs.map((job) => producer.enqueue(job)));
    await producer.close();
    const batchJobs = new Set(enqueued.map((r) => r.jobId)).size;

    const poolErrors: Error[] = [];
    workerDb = createDb(t.url, { applicationName, maxConnections: 4, onPoolError: (e) => poolErrors.push(e) });
    worker = startPersistWorker({
      redisUrl,
      prefix,
      db: workerDb.db,
      logger: silentLogger(),
      metrics: createMetrics({ defaultMetrics: false }),
      batchSize: 50,
      maxDelayMs: 2,
    });

    // Mid-drain: drop every connection of the worker, several times over.
    await waitFor(() => count('documents'), (n) => n >= 300, 30_000);
    let terminated = 0;
    for (let round = 0; round < 5; round++) {
      terminated += await terminateWorkerConnections();
      await new Promise((r) => setTimeout(r, 150));
    }
    const atLastCut = await count('documents');
    expect(terminated).toBeGreaterThan(0);
    expect(atLastCut).toBeLessThan(total); // the cuts really happened in the middle of the drain

    // Failed batches are retried with backoff (1 s, 2 s, …): everything lands.
    const documentsQueue = new Queue('documents', { connection: { url: redisUrl }, prefix });
    const fnsQueue = new Queue('fns', { connection: { url: redisUrl }, prefix });
    queues.push(documentsQueue, fnsQueue);
    await waitFor(() => documentsQueue.getJobCountByTypes('completed'), (n) => n === batchJobs, 90_000);
    expect(await documentsQueue.getJobCountByTypes('completed')).toBe(batchJobs);
    expect(await documentsQueue.getJobCountByTypes('failed', 'waiting', 'active', 'delayed')).toBe(0);

    expect(await count('documents')).toBe(total);
    expect(await count('receipt_items')).toBe(2 * total);
    // The 'received' and 'persisted' events are the documents rows themselves (migration 0053): none written, so none twice.
    expect(await count('document_events')).toBe(0);
    const keys = await sql<{ n: number; distinct_keys: number }>`
      select count(*) as n, count(distinct (fn, fd)) as distinct_keys from documents
    `.execute(t.db);
    expect(keys.rows[0]).toEqual({ n: total, distinct_keys: total });
    for (const fn of fns) {
      const shift = await t.db.selectFrom('shifts').selectAll().where('fn', '=', fn).executeTakeFirstOrThrow();
      expect(shift).toMatchObject({ received_receipts: perFn, sell_total_sum: perFn * 18090 });
      const drive = await t.db.selectFrom('fiscal_drives').selectAll().where('fn', '=', fn).executeTakeFirstOrThrow();
      expect(drive).toMatchObject({ first_fd: 1, last_fd: perFn });
    }
    expect(await t.db.selectFrom('fd_gaps').selectAll().execute()).toEqual([]);
    expect(await t.db.selectFrom('dead_letters').selectAll().execute()).toEqual([]);
    // The cuts hit work in flight: connections died under the pool, and batches failed and were retried.
    expect(poolErrors.length).toBeGreaterThan(0);
    const retried = (await documentsQueue.getCompleted(0, batchJobs)).filter((job) => job.attemptsMade > 1); // counts the completing attempt too
    expect(retried.length).toBeGreaterThan(0);
    // Every document forwarded to the FNS: a retried batch re-adds its fns batch job — the same id, a no-op, when it
    // carries the same documents; a copy otherwise, which fns_status makes harmless.
    expect((await fnsWaiting(fnsQueue)).documents.size).toBe(total);
  });
});
