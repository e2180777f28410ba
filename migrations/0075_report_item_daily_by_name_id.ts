// Daily item rollups keyed by the name's id in item_name_dictionary (migration 0070) instead of its text: the table
// report_item_daily_ids, which the rollups write from now on, and the view report_item_daily_named (the rows of both
// tables, names as text). Issue 12 target 4, disk per receipt.
//
// Why: the name (≈ 36 bytes: Cyrillic is 2 bytes a letter) was written in every row and again in its primary-key entry;
// an id is 4. `npm run bench:disk`: 107 → 77 bytes per document (one row per item name, register and day).
//
// Additive: nothing is moved or dropped, so every process of the previous release keeps working while this one rolls
// out (docs/operations.md, Upgrades):
// - report_item_daily keeps its rows, and a previous release's worker keeps adding to it by name until restarted;
// - readers sum over both tables (src/reports/abc-xyz.report.ts; the view), which is exact because rollups are sums: a
//   key with a row in each counts both;
// - `ofd reprocess` withdrawing a document counted in the old table first moves the rows of its keys into the new one
//   (withdrawRollups), so what it leaves at zero is dropped instead of a +X by name and a −X by id both staying;
// - `ofd rollups rebuild` replaces the days it rebuilds in both tables (run this release's, not the previous one's);
// - the API of the previous release reads the old table only, so until it is restarted its ABC × XYZ report misses
//   what this release's workers have added.
// A later migration may fold report_item_daily into report_item_daily_ids (then its bytes go too).
// Item without a name (no 1030): name_id 0 (the dictionary's ids start at 1); the view shows it as ''.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table report_item_daily_ids (
      day date not null,
      organization_id bigint not null,
      outlet_id bigint not null,
      register_id bigint not null,
      -- item_name_dictionary.id; 0: items without a name (1030)
      name_id integer not null,
      -- sold minus returned
      quantity numeric not null default 0,
      -- kopecks, sold minus returned
      sum bigint not null default 0,
      primary key (day, organization_id, outlet_id, register_id, name_id)
    ) with (fillfactor = 70)
  `.execute(db);
  await sql`create index report_item_daily_ids_organization_idx on report_item_daily_ids (organization_id, day)`.execute(db);
  await sql`comment on table report_item_daily_ids is 'Rebuildable from documents: rebuildRollups (src/db/rollups.repository.ts)'`.execute(db);
  await sql`
    create view report_item_daily_named as
      select r.day, r.organization_id, r.outlet_id, r.register_id, coalesce(n.name, '') as name, r.quantity, r.sum
        from report_item_daily_ids r left join item_name_dictionary n on n.id = r.name_id
      union all
      select day, organization_id, outlet_id, register_id, name, quantity, sum from report_item_daily
  `.execute(db);
}

/** Back by name: what this release added goes into report_item_daily, rows of one key summed. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`lock table report_item_daily_ids, report_item_daily in exclusive mode`.execute(db);
  await sql`
    insert into report_item_daily (day, organization_id, outlet_id, register_id, name, quantity, sum)
    select r.day, r.organization_id, r.outlet_id, r.register_id, coalesce(n.name, ''), sum(r.quantity), sum(r.sum)
      from report_item_daily_ids r left join item_name_dictionary n on n.id = r.name_id
     group by 1, 2, 3, 4, 5
     order by 1, 2, 3, 4, 5
    on conflict (day, organization_id, outlet_id, register_id, name)
      do update set quantity = report_item_daily.quantity + excluded.quantity, sum = report_item_daily.sum + excluded.sum
  `.execute(db);
  await sql`drop view report_item_daily_named`.execute(db);
  await sql`drop table report_item_daily_ids`.execute(db);
}
