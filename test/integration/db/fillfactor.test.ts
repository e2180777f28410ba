// Migration 0073: rows the persist path updates in place (here the hourly and daily rollups, through the real
// applyBatchRollups) keep their updates on their own page, so without any VACUUM the table stays the size of its live
// rows instead of taking a page-full of dead versions per round of updates. The control is the same table with the
// fillfactor reset to PostgreSQL's default of 100.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyBatchRollups, type RollupDocument } from '../../../src/db/rollups.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  // Only page pruning may reclaim anything here, wherever autovacuum is on.
  for (const table of ['report_rollup_hourly', 'report_rollup_daily']) await sql`alter table ${sql.table(table)} set (autovacuum_enabled = false)`.execute(t.db);
});
afterAll(() => t.drop());

const REGISTERS = 400;
const ROUNDS = 15;

/** One receipt of each register in the hour: every round updates each register's rollup row once. */
function round(hour: string): RollupDocument[] {
  return Array.from({ length: REGISTERS }, (_, i) => ({
    row: {
      form: 3, date_time: `${hour}:0${i % 10}:00`, organization_id: 1, outlet_id: 1, register_id: i + 1, operation_type: 1, taxation_type: 1,
      total_sum: 10_000, cash_sum: 10_000, ecash_sum: 0, prepaid_sum: 0, credit_sum: 0, provision_sum: 0,
      nds20_sum: 1_667, nds10_sum: 0, nds0_base: 0, nds_no_base: 0, nds20_120_sum: 0, nds10_110_sum: 0,
    },
    items: [],
  }));
}

const heapBytes = async (table: string) => Number((await sql<{ n: string }>`select pg_relation_size(${table}::regclass)::text as n`.execute(t.db)).rows[0]!.n);

async function growth(hour: string, table: string): Promise<{ first: number; last: number }> {
  await t.db.transaction().execute((trx) => applyBatchRollups(trx, round(hour)));
  const first = await heapBytes(table);
  for (let r = 1; r < ROUNDS; r++) await t.db.transaction().execute((trx) => applyBatchRollups(trx, round(hour)));
  const last = await heapBytes(table);
  return { first, last };
}

it('updates in place stay on their page: the hourly rollups do not grow with rounds of updates, without VACUUM', async () => {
  const { rows } = await sql<{ opts: string[] | null }>`select reloptions as opts from pg_class where relname = 'report_rollup_hourly'`.execute(t.db);
  expect(rows[0]!.opts).toContain('fillfactor=50');
  const kept = await growth('2026-12-01T10', 'report_rollup_hourly');
  expect(kept.last).toBeLessThanOrEqual(kept.first * 1.5);
  const { rows: sums } = await sql<{ receipts: string }>`select sum(receipts)::text as receipts from report_rollup_hourly`.execute(t.db);
  expect(sums[0]!.receipts).toBe(String(REGISTERS * ROUNDS));
});

it('control: with the default fillfactor the same rounds take several times the room', async () => {
  await sql`alter table report_rollup_daily reset (fillfactor)`.execute(t.db);
  const grown = await growth('2026-12-02T10', 'report_rollup_daily');
  expect(grown.last).toBeGreaterThan(grown.first * 3);
});
