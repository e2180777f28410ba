// The derive stage (issue 12): shift totals, report rollups and report state applied from derive_queue after the persist
// transaction — each stored document exactly once with several derive workers running and after a derive transaction
// dies before its commit; its lag in /metrics and /health/ready. Expected totals are summed here from the emulator's
// documents, decoded in the test (protocol/document-json.ts), not read from any table the stage writes.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeContainer } from '../../../protocol/container.js';
import { decodeDocument, type FieldObject } from '../../../protocol/document-json.js';
import { fleetJobs } from '../../../bench/fleet-jobs.js';
import { buildApp } from '../../../src/api/app.js';
import { createDb } from '../../../src/db/database.js';
import { claimAndDerive, tryDeriveLock } from '../../../src/db/derive.repository.js';
import { deriveReadiness } from '../../../src/main/derive-readiness.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { deriveOnce } from '../../../src/workers/derive/derive.processor.js';
import { startDeriveWorker } from '../../../src/workers/derive/derive.worker.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { waitForDerived } from '../../support/derive.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

let t: TestDatabase;
let jobs: DocumentJob[];

beforeAll(async () => {
  t = await createTestDatabase({ maxConnections: 10 });
  // 40 emulated registers: registrations, shifts opened and closed, receipts of 1–N items, corrections.
  jobs = await fleetJobs(40, 1200, 'derive-stage-test');
});
afterAll(() => t?.drop());

interface Expected {
  shifts: Map<string, { receipts: number; sums: [bigint, bigint, bigint, bigint] }>;
  settlements: number;
  settlementTotal: bigint;
}

/** Shift totals and rollup totals of `docs`, from their decoded bytes (receipts: forms 3, 4, 31, 41). */
function expectedOf(docs: readonly DocumentJob[]): Expected {
  const e: Expected = { shifts: new Map(), settlements: 0, settlementTotal: 0n };
  for (const job of docs) {
    const decoded = decodeDocument(decodeContainer(Buffer.from(job.container, 'base64')).document);
    if (![3, 4, 31, 41].includes(decoded.form)) continue;
    const f = decoded.json[decoded.formName] as FieldObject;
    const op = Number(f['operationType']);
    const total = BigInt(String(f['totalSum'] ?? 0));
    e.settlements += 1;
    e.settlementTotal += total;
    const key = `${job.fn}:${String(f['shiftNumber'])}`;
    const s = e.shifts.get(key) ?? { receipts: 0, sums: [0n, 0n, 0n, 0n] };
    s.receipts += 1;
    s.sums[op - 1]! += total;
    e.shifts.set(key, s);
  }
  return e;
}

/** The test's database holds only the documents stored so far: every shift and rollup row is theirs. */
async function expectDerivedExactly(e: Expected): Promise<void> {
  const shifts = await t.db
    .selectFrom('shifts')
    .select(['fn', 'shift_number', 'received_receipts', 'sell_total_sum', 'sell_return_total_sum', 'buy_total_sum', 'buy_return_total_sum'])
    .where('received_receipts', '>', 0)
    .execute();
  const actual = new Map(shifts.map((s) => [`${s.fn}:${s.shift_number}`, { receipts: s.received_receipts, sums: [s.sell_total_sum, s.sell_return_total_sum, s.buy_total_sum, s.buy_return_total_sum].map((v) => BigInt(v)) }]));
  expect(actual).toEqual(e.shifts);
  const { rows } = await sql<{ receipts: string; total: string }>`
    select coalesce(sum(receipts), 0)::text as receipts, coalesce(sum(total_sum), 0)::text as total from report_rollup_daily`.execute(t.db);
  expect({ receipts: Number(rows[0]!.receipts), total: BigInt(rows[0]!.total) }).toEqual({ receipts: e.settlements, total: e.settlementTotal });
  expect(Number((await sql<{ n: string }>`select count(*) as n from derive_queue`.execute(t.db)).rows[0]!.n)).toBe(0);
}

describe('derive stage', () => {
  it('derives every stored document exactly once with three derive workers running while documents are stored', async () => {
    const docs = jobs.slice(0, 600);
    const persist = createPersistProcessor({ db: t.db, logger: silentLogger() });
    const workers = [1, 2, 3].map(() => startDeriveWorker({ db: t.db, logger: silentLogger(), batchSize: 40, idleMs: 2 }));
    // Stored in batches of 50, each sent twice (a re-send is not counted again).
    for (let i = 0; i < docs.length; i += 50) {
      await persist(docs.slice(i, i + 50));
      await persist(docs.slice(i, i + 50));
    }
    await Promise.all(workers.map((w) => w.close()));
    await waitForDerived(t.db);
    await expectDerivedExactly(expectedOf(docs));
    // Report state came through the stage too: every emulated register's registration report named its register.
    const registers = await t.db.selectFrom('registers').select(['serial_number']).where('serial_number', 'is not', null).execute();
    expect(registers.length).toBeGreaterThan(0);
  });

  it('applies nothing of a derive transaction that dies before its commit, and derives its documents once after', async () => {
    const docs = jobs.slice(600);
    const persist = createPersistProcessor({ db: t.db, logger: silentLogger() });
    for (let i = 0; i < docs.length; i += 100) await persist(docs.slice(i, i + 100));
    // A derive transaction claims and applies 200 documents; its backend is killed before the COMMIT. (Its own pool: the
    // dead connection is never given back, and the test database's pool must still close.)
    const crashing = createDb(t.url, { maxConnections: 1 });
    const dying = await crashing.db.startTransaction().execute();
    expect(await tryDeriveLock(dying)).toBe(true);
    const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(dying)).rows[0]!.pid;
    expect((await claimAndDerive(dying, 200)).documents).toBe(200);
    await t.pool.query('select pg_terminate_backend($1)', [pid]);
    await expect(dying.commit().execute()).rejects.toThrow();
    void crashing.close().catch(() => undefined);
    // A failing derive transaction (a rollup row PostgreSQL refuses) applies nothing either.
    await sql`create function derive_test_refuse() returns trigger language plpgsql as $$ begin raise exception 'refused for the test'; end $$`.execute(t.db);
    await sql`create trigger derive_test_refuse before insert on report_item_daily for each row execute function derive_test_refuse()`.execute(t.db);
    await expect(deriveOnce(t.db, silentLogger(), { batchSize: 300 })).rejects.toThrow(/refused for the test/);
    await sql`drop trigger derive_test_refuse on report_item_daily`.execute(t.db);
    await waitForDerived(t.db);
    // Every document stored so far (these registers' earlier documents came in the test before), each counted once.
    await expectDerivedExactly(expectedOf(jobs));
  });

  it('publishes its lag (ofd_derive_lag_seconds) and /health/ready degrades above the threshold', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const app = buildApp({ metrics, logger: silentLogger(), readiness: [{ name: 'derive', check: deriveReadiness(t.db, 10) }] });
    try {
      const ready = async () => {
        const r = await app.inject({ method: 'GET', url: '/health/ready' });
        return { code: r.statusCode, body: r.json<{ status: string; checks: { derive: { status: string; lagSeconds: number; pending: number; dataAsOf: string } } }>() };
      };
      const caughtUp = await ready();
      expect(caughtUp.code).toBe(200);
      expect(caughtUp.body.status).toBe('ok');
      expect(caughtUp.body.checks.derive).toMatchObject({ status: 'ok', lagSeconds: 0, pending: 0 });

      // Two documents stored 30 s ago and not derived (another derive transaction holds the lock meanwhile).
      const queued = await sql<{ enqueued_at: Date }>`
        insert into derive_queue (fn, fd, received_at, enqueued_at)
        select fn, fd, received_at, now() - interval '30 seconds' from documents order by fn, fd limit 2 returning enqueued_at`.execute(t.db);
      const holder = await t.db.startTransaction().execute();
      expect(await tryDeriveLock(holder)).toBe(true);
      const worker = startDeriveWorker({ db: t.db, logger: silentLogger(), metrics, idleMs: 20 });
      try {
        await new Promise((r) => setTimeout(r, 300));
        const lag = (await metrics.derive.lagSeconds.get()).values[0]!.value;
        expect(lag).toBeGreaterThanOrEqual(30);
        expect(lag).toBeLessThan(60);
        expect((await metrics.derive.pending.get()).values[0]!.value).toBe(2);
        expect(await metrics.render()).toMatch(/^ofd_derive_lag_seconds \d+/m);
        const behind = await ready();
        expect(behind.code).toBe(200);
        expect(behind.body.status).toBe('degraded');
        expect(behind.body.checks.derive).toMatchObject({ status: 'degraded', pending: 2 });
        expect(behind.body.checks.derive.lagSeconds).toBeGreaterThanOrEqual(30);
        expect(new Date(behind.body.checks.derive.dataAsOf).getTime()).toBe(queued.rows[0]!.enqueued_at.getTime());
      } finally {
        await holder.rollback().execute();
      }
      // The lock released, the worker derives them (two documents counted again: the last test, its own queue rows).
      for (let i = 0; i < 100 && (await ready()).body.checks.derive.pending > 0; i++) await new Promise((r) => setTimeout(r, 50));
      await worker.close();
      expect((await ready()).body.checks.derive).toMatchObject({ status: 'ok', pending: 0, lagSeconds: 0 });
      expect((await metrics.derive.lagSeconds.get()).values[0]!.value).toBe(0);
    } finally {
      await app.close();
    }
  });
});
