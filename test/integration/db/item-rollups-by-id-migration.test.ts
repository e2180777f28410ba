// Migration 0076 moves the daily item rollups from report_item_daily (keyed by the name's text) to
// report_item_daily_ids (keyed by its id in item_name_dictionary). Nothing may be lost or counted twice on the way up or
// down, and rows a previous release's worker still writes by name during an upgrade must count in the ABC × XYZ report.
// Every expected value is written out by hand; rows are read back from PostgreSQL.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { migrations } from '../../../src/db/migrations.js';
import { runReport } from '../../../src/reports/reports.js';
import type { ReportRow } from '../../../src/reports/report-query.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const INN = '7700000076';
let t: TestDatabase;
let org: number;
let milkId: number;

const stepsBack = (name: string) => {
  const names = Object.keys(migrations).sort();
  return names.length - names.indexOf(name);
};

/** The old table's rows as text, in key order. */
const oldRows = async () =>
  (
    await sql<{ r: string }>`select concat_ws('|', day, organization_id, outlet_id, register_id, name, quantity, sum) as r
                               from report_item_daily order by day, organization_id, outlet_id, register_id, name`.execute(t.db)
  ).rows.map((x) => x.r);

beforeAll(async () => {
  t = await createTestDatabase();
  await migrateDown(t.db, stepsBack('0076_report_item_daily_by_name_id'));
  org = (await t.db.insertInto('organizations').values({ inn: INN, name: 'ООО Товары' }).returning('id').executeTakeFirstOrThrow()).id;
  // 'Молоко' is in the dictionary already (a document stored it); 'Хлеб' is not; '' is an item without a name; the
  // organization 0 row (a document of no known organization) goes under the INN ''.
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

it('moves every row to report_item_daily_ids by name id, and the view shows the same rows by name', async () => {
  const before = await oldRows();
  expect(before).toHaveLength(5);
  await migrateToLatest(t.db);

  expect(await oldRows()).toEqual([]);
  const moved = await sql<{ day: string; organization_id: string; register_id: string; name_id: number; user_inn: string | null; name: string | null; quantity: string; sum: string }>`
    select r.day::text as day, r.organization_id::text, r.register_id::text, r.name_id, n.user_inn, n.name, r.quantity::text, r.sum::text
      from report_item_daily_ids r left join item_name_dictionary n on n.id = r.name_id
     order by r.day, r.organization_id, r.register_id, n.name nulls first`.execute(t.db);
  expect(moved.rows.map((r) => [r.day, r.organization_id === String(org) ? 'org' : r.organization_id, r.register_id, r.user_inn, r.name, r.quantity, r.sum])).toEqual([
    ['2026-11-02', 'org', '7', null, null, '1', '990'],
    ['2026-11-02', 'org', '7', INN, 'Молоко', '2.500', '25000'],
    ['2026-11-02', 'org', '7', INN, 'Хлеб', '3', '13500'],
    ['2026-11-03', '0', '0', '', 'Хлеб', '1', '4000'],
    ['2026-11-03', 'org', '8', INN, 'Хлеб', '-1', '-4500'],
  ]);
  // The name already known kept its id; the item without a name is 0, not a dictionary row.
  expect(moved.rows.find((r) => r.name === 'Молоко')?.name_id).toBe(milkId);
  expect(moved.rows.find((r) => r.name === null)?.name_id).toBe(0);

  const named = await sql<{ r: string }>`select concat_ws('|', day, organization_id, outlet_id, register_id, name, quantity, sum) as r
                                           from report_item_daily_named order by day, organization_id, outlet_id, register_id, name`.execute(t.db);
  expect(named.rows.map((x) => x.r)).toEqual(before);
});

it('counts in ABC × XYZ what a previous release still writes by name during the upgrade, beside the rows by id', async () => {
  // A worker of the previous release adds a sale of milk on the same key, by name, into the old table.
  await sql`insert into report_item_daily (day, organization_id, outlet_id, register_id, name, quantity, sum)
            values ('2026-11-02', ${org}, 5, 7, 'Молоко', 1, 9000)`.execute(t.db);
  const report = await runReport(t.db, 'abc-xyz', { scope: [org], organizationId: org, from: '2026-11-01', to: '2026-11-30' });
  const rows: ReportRow[] = [];
  for await (const r of report.rows) rows.push(r);
  // Milk 25 000 + 9 000; bread 13 500 − 4 500 (organization 0 is not this organization's); the nameless item 990.
  expect(rows.map((r) => [r.name, r.revenue, r.quantity])).toEqual([
    ['Молоко', 34000, '3.500'],
    ['Хлеб', 9000, '2'],
    ['', 990, '1'],
  ]);
});

it('going down puts every row back by name, the rows of both tables on one key summed', async () => {
  await migrateDown(t.db, stepsBack('0076_report_item_daily_by_name_id'));
  expect(await oldRows()).toEqual([
    `2026-11-02|${org}|5|7||1|990`,
    `2026-11-02|${org}|5|7|Молоко|3.500|34000`,
    `2026-11-02|${org}|5|7|Хлеб|3|13500`,
    `2026-11-03|0|0|0|Хлеб|1|4000`,
    `2026-11-03|${org}|5|8|Хлеб|-1|-4500`,
  ]);
  expect((await sql<{ r: string | null }>`select to_regclass('report_item_daily_ids')::text as r`.execute(t.db)).rows[0]!.r).toBeNull();
  await migrateToLatest(t.db);
});
