// Query plans of the Чеки list filtered to one register and of the shifts / Z-report paging (migration 0051), on data
// seeded set-based (20 registers, 20 000 receipts, 4 800 shifts), vacuumed and analysed as autovacuum leaves a table.
// The SQL explained is what the repositories actually send (captured through kysely's query log), so a change of the
// queries that loses the index fails here. The shifts list is also compared, row for row, with one plain ordered query.
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDocuments } from '../../../src/db/api-documents.repository.js';
import type { Database } from '../../../src/db/database.js';
import { ensureDocumentPartitions } from '../../../src/db/partitions.js';
import { runReport } from '../../../src/reports/reports.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const REGISTERS = 20;
const RECEIPTS = 20_000;
const DAYS = 200;
const INN = '7700000018';
let t: TestDatabase;
let orgId: number;
let firstRegister: number;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}
const nodes = (p: PlanNode): PlanNode[] => [p, ...(p.Plans ?? []).flatMap(nodes)];

/** Runs `fn` against a kysely over the same pool that records every query it sends. */
async function captured(fn: (db: Kysely<Database>) => Promise<unknown>): Promise<CompiledQuery[]> {
  const queries: CompiledQuery[] = [];
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: t.pool }), log: (e) => void (e.level === 'query' && queries.push(e.query)) });
  await fn(db);
  return queries;
}

/** The plan of a captured query; `noSeqScan`: as the planner chooses once tables are too big to read whole. */
async function planOf(q: CompiledQuery, noSeqScan = false): Promise<PlanNode[]> {
  const c = await t.pool.connect();
  try {
    await c.query('begin');
    if (noSeqScan) await c.query('set local enable_seqscan = off');
    const { rows } = await c.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`explain (format json) ${q.sql}`, [...q.parameters]);
    return nodes(rows[0]!['QUERY PLAN'][0]!.Plan);
  } finally {
    await c.query('rollback');
    c.release();
  }
}

beforeAll(async () => {
  t = await createTestDatabase();
  orgId = (await t.db.insertInto('organizations').values({ inn: INN, name: 'ООО Планы' }).returning('id').executeTakeFirstOrThrow()).id;
  await sql`insert into registers (registration_number, organization_id, status, registered_at)
            select lpad(g::text, 16, '0'), ${orgId}, 'active', '2024-01-01' from generate_series(1, ${REGISTERS}) g`.execute(t.db);
  await sql`insert into register_document_owners (register_id, organization_id) select id, organization_id from registers`.execute(t.db);
  firstRegister = (await t.db.selectFrom('registers').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
  // One FN per register; register k's FN is 99990789000000kk.
  await sql`insert into fiscal_drives (fn, register_id, registered_at, validity_months, first_fd, last_fd)
            select '99990789000000' || lpad((row_number() over (order by id))::text, 2, '0'), id, '2024-01-01', 15, 1, 1 from registers`.execute(t.db);
  await sql`insert into document_keys (fn, fd, received_at)
            select '99990789000000' || lpad((k % ${REGISTERS} + 1)::text, 2, '0'), k / ${REGISTERS} + 2,
                   date_trunc('month', now()) + make_interval(secs => k) from generate_series(0, ${RECEIPTS} - 1) k`.execute(t.db);
  await sql`insert into documents (fn, fd, received_at, form, ffd_version, date_time, kkt_reg_id, user_inn, register_id, shift_number,
              request_number, operation_type, total_sum, raw_container, sign_status, flk_status)
            select '99990789000000' || lpad((k % ${REGISTERS} + 1)::text, 2, '0'), k / ${REGISTERS} + 2,
                   date_trunc('month', now()) + make_interval(secs => k), 3, 2, '2024-06-01'::timestamp + make_interval(secs => k * 60),
                   lpad((k % ${REGISTERS} + 1)::text, 16, '0'), ${INN}, ${firstRegister} + k % ${REGISTERS}, 1, k / ${REGISTERS} + 1, 1,
                   1000 + k, '\\x00'::bytea, 'verified', 'passed'
              from generate_series(0, ${RECEIPTS} - 1) k`.execute(t.db);
  // Shifts: 12 registers × 200 days (one a day), and register 13's FN with 2 400 (12 a day): more than a page alone.
  await sql`insert into shifts (fn, shift_number, register_id, opened_at, open_fd, closed_at, close_fd, received_receipts)
            select f.fn, d + 1, f.register_id, '2024-01-01'::timestamp + make_interval(days => d, hours => 8), 1,
                   '2024-01-01'::timestamp + make_interval(days => d, hours => 20), 2, 0
              from fiscal_drives f, generate_series(0, ${DAYS} - 1) d where right(f.fn, 2)::int <= 12`.execute(t.db);
  await sql`insert into shifts (fn, shift_number, register_id, opened_at, open_fd, closed_at, close_fd, received_receipts)
            select f.fn, n + 1, f.register_id, '2024-01-01'::timestamp + make_interval(mins => n * 120), 1,
                   '2024-01-01'::timestamp + make_interval(mins => n * 120 + 100), 2, 0
              from fiscal_drives f, generate_series(0, 2400 - 1) n where right(f.fn, 2)::int = 13`.execute(t.db);
  await sql`vacuum analyze`.execute(t.db);
}, 120_000);
afterAll(async () => {
  await t?.drop();
});

describe('the Чеки list filtered to one register', () => {
  it('every documents partition, one created later too, tells the planner that a register has one INN', async () => {
    await ensureDocumentPartitions(t.db, { now: new Date(Date.UTC(2031, 0, 15)), monthsBehind: 0, monthsAhead: 0 });
    const { rows } = await sql<{ partition: string; stats: string | null }>`
      select i.inhrelid::regclass::text as partition, s.stxname as stats
        from pg_inherits i left join pg_statistic_ext s on s.stxrelid = i.inhrelid and s.stxname = i.inhrelid::regclass::text || '_register_inn'
       where i.inhparent = 'documents'::regclass`.execute(t.db);
    expect(rows.map((r) => r.partition)).toContain('documents_p203101');
    expect(rows.filter((r) => r.stats === null)).toEqual([]);
  });

  // The index is (register_id, received_at) since migration 0079: only rows sharing a received_at are sorted (an
  // Incremental Sort), and the cursor's received_at bounds the scan.
  it('is a backward scan of (register_id, received_at): no full sort, the cursor an index condition', async () => {
    const page = await listDocuments(t.db, { inns: [INN], registerId: firstRegister, limit: 51 });
    expect(page).toHaveLength(51);
    const last = page.at(-1)!;
    const [first, next] = [
      (await captured((db) => listDocuments(db, { inns: [INN], registerId: firstRegister, limit: 51 })))[0]!,
      (await captured((db) => listDocuments(db, { inns: [INN], registerId: firstRegister, limit: 51, after: { receivedAt: last.received_at, fn: last.fn, fd: last.fd } })))[0]!,
    ];
    for (const q of [first, next]) {
      const plan = await planOf(q);
      const scans = plan.filter((n) => n['Index Name']?.includes('register_id_received_at'));
      expect(scans.length, JSON.stringify(plan.map((n) => [n['Node Type'], n['Index Name']]))).toBeGreaterThan(0);
      expect(scans.every((n) => n['Node Type'] === 'Index Scan')).toBe(true);
      expect(plan.some((n) => n['Node Type'] === 'Sort' || n['Node Type'] === 'Bitmap Heap Scan')).toBe(false);
    }
    const cursorScans = (await planOf(next)).filter((n) => n['Index Name']?.includes('register_id_received_at'));
    expect(cursorScans.length).toBeGreaterThan(0);
    for (const n of cursorScans) expect(n['Index Cond']).toMatch(/received_at <= /);
  });
});

describe('shifts and Z-report pages', () => {
  const filter = () => ({ scope: [orgId], organizationId: orgId, from: '2024-01-01', to: '2024-12-31' });

  it('list every shift of the period in (fn, shift_number) order, as one plain query does', async () => {
    const expected = await sql<{ fn: string; shift_number: number }>`
      select s.fn, s.shift_number from shifts s where s.opened_at >= '2024-01-01' and s.opened_at < '2025-01-01'
       order by s.fn, s.shift_number`.execute(t.db);
    expect(expected.rows).toHaveLength(12 * DAYS + 2400);
    for (const name of ['shifts', 'z-report'] as const) {
      const got: Array<{ fn: string; shift_number: number }> = [];
      for await (const r of (await runReport(t.db, name, filter())).rows) got.push({ fn: String(r['fn']), shift_number: Number(r['shiftNumber']) });
      expect(got).toEqual(expected.rows.map((r) => ({ fn: r.fn, shift_number: Number(r.shift_number) })));
    }
  });

  it('count per FN by an index-only scan, then read each group of FNs through the primary key', async () => {
    const queries = await captured(async (db) => {
      for await (const _ of (await runReport(db, 'z-report', filter())).rows);
    });
    // The count, then the groups: FNs 01–10 (2 000 shifts: a full page, so one more keyset query that finds none),
    // FNs 11–12 (400), FN 13 alone (2 400: two keyset pages) — 5 page queries for 4 800 shifts.
    const [count, ...pages] = queries;
    // 4 800 shifts are read whole at this size, so the plans are taken without sequential scans (as on a big table):
    // the count needs no heap at all (the index (register_id, opened_at) includes fn and close_fd), and a page goes
    // through the primary key, never through the registers' index (which read every shift of the period per page).
    const countPlan = await planOf(count!, true);
    expect(countPlan.some((n) => n['Node Type'] === 'Index Only Scan' && n['Index Name'] === 'shifts_register_id_opened_at_idx'), JSON.stringify(countPlan.map((n) => [n['Node Type'], n['Index Name']]))).toBe(true);
    expect(pages).toHaveLength(5);
    for (const p of pages) {
      const plan = await planOf(p, true);
      expect(plan.some((n) => n['Index Name'] === 'shifts_pkey'), JSON.stringify(plan.map((n) => [n['Node Type'], n['Index Name']]))).toBe(true);
      expect(plan.some((n) => n['Index Name'] === 'shifts_register_id_opened_at_idx')).toBe(false);
    }
  });
});
