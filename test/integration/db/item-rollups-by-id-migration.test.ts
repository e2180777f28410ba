// Migration 0075 adds report_item_daily_ids (daily item rollups keyed by the name's id in item_name_dictionary) beside
// report_item_daily (keyed by its text), which keeps its rows: readers sum both. Nothing may be lost or counted twice on
// the way up or down, and what a previous release's worker still adds by name during an upgrade must count.
// Every expected value is written out by hand; rows are read back from PostgreSQL.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { runReport } from '../../../src/reports/reports.js';
import type { ReportRow } from '../../../src/reports/report-query.js';
import { stepsBack } from '../../support/migration-steps.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const INN = '7700000076';
let t: TestDatabase;
let org: number;
let milkId: number;


/** The old table's rows as text, in key order. */
const oldRows = async () =>
  (
    await sql<{ r: string }>`select concat_ws('|', day, organization_id, outlet_id, register_id, name, quantity, sum) as r
                               from report_item_daily order by day, organization_id, outlet_id, register_id, name`.execute(t.db)
  ).rows.map((x) => x.r);

beforeAll(async () => {
  t = await createTestDatabase();
  await migrateDown(t.db, stepsBack('0075_report_item_daily_by_name_id'));
  org = (await t.db.insertInto('organizations').values({ inn: INN, name: 'ООО Товары' }).returning('id').executeTakeFirstOrThrow()).id;
  // Rows by name as the previous release wrote them: '' is an item without a name; organization 0 a document of no known
  // organization. 'Молоко' is in the dictionary (a document stored it since migration 0070).
  milkId = (await sql<{ id: number }>`insert into item_name_dictionary (user_inn, name) values (${INN}, 'Молоко') returning id`.execute(t.db)).rows[0]!.id;
  await sql`
    insert into report_item_daily (day, organization_id, outlet_id, register_id, name, quantity, sum) values
      ('2026-11-02', ${org}, 5, 7, 'Молоко', 2.500, 25000),
      ('2026-11-02', ${org}, 5, 7, 'Хлеб', 3, 13500),
      ('2026-11-02', ${org}, 5, 7, '', 1, 990),
      ('2026-11-03', ${org}, 5, 8, 'Хлеб', -1, -4500),
      ('2026-11-03', 0, 0, 0, 'Хлеб', 1, 4000)`.execute(t.db);
}, 120_000);
afterAll(() => t.drop());

it('leaves the rows by name where they are, the view showing them beside the new table (empty)', async () => {
  const before = await oldRows();
  expect(before).toHaveLength(5);
  await migrateToLatest(t.db);

  expect(await oldRows()).toEqual(before);
  expect((await sql<{ n: number }>`select count(*)::int as n from report_item_daily_ids`.execute(t.db)).rows[0]!.n).toBe(0);
  const named = await sql<{ r: string }>`select concat_ws('|', day, organization_id, outlet_id, register_id, name, quantity, sum) as r
                                           from report_item_daily_named order by day, organization_id, outlet_id, register_id, name`.execute(t.db);
  expect(named.rows.map((x) => x.r)).toEqual(before);
});

it('sums in ABC × XYZ the rows by id, the rows by name and what a previous release still adds by name', async () => {
  // This release's worker adds milk by id on a key the old table has too; one of the previous release adds milk by name.
  await sql`insert into report_item_daily_ids (day, organization_id, outlet_id, register_id, name_id, quantity, sum)
            values ('2026-11-02', ${org}, 5, 7, ${milkId}, 1, 9000), ('2026-11-03', ${org}, 5, 8, 0, 2, 500)`.execute(t.db);
  await sql`update report_item_daily set quantity = quantity + 0.5, sum = sum + 4000
             where organization_id = ${org} and name = 'Молоко'`.execute(t.db);
  const report = await runReport(t.db, 'abc-xyz', { scope: [org], organizationId: org, from: '2026-11-01', to: '2026-11-30' });
  const rows: ReportRow[] = [];
  for await (const r of report.rows) rows.push(r);
  // Milk 25 000 + 4 000 + 9 000; bread 13 500 − 4 500 (organization 0 is not this organization's); nameless 990 + 500.
  expect(rows.map((r) => [r.name, r.revenue, r.quantity])).toEqual([
    ['Молоко', 38000, '4.000'],
    ['Хлеб', 9000, '2'],
    ['', 1490, '3'],
  ]);
});

it('going down puts what was added by id back by name, the rows of one key summed', async () => {
  await migrateDown(t.db, stepsBack('0075_report_item_daily_by_name_id'));
  expect(await oldRows()).toEqual([
    `2026-11-02|${org}|5|7||1|990`,
    `2026-11-02|${org}|5|7|Молоко|4.000|38000`,
    `2026-11-02|${org}|5|7|Хлеб|3|13500`,
    `2026-11-03|0|0|0|Хлеб|1|4000`,
    `2026-11-03|${org}|5|8||2|500`,
    `2026-11-03|${org}|5|8|Хлеб|-1|-4500`,
  ]);
  expect((await sql<{ r: string | null }>`select to_regclass('report_item_daily_ids')::text as r`.execute(t.db)).rows[0]!.r).toBeNull();
  await migrateToLatest(t.db);
});
