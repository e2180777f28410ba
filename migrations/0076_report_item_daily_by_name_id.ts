// Daily item rollups keyed by the name's id in item_name_dictionary (migration 0070) instead of its text: the table
// report_item_daily_ids, and the view report_item_daily_named that readers take (names as text). Issue 12 target 4,
// disk per receipt.
//
// Why: the name (≈ 36 bytes: Cyrillic is 2 bytes a letter) was written in every row and again in its primary-key entry;
// an id is 4. report_item_daily was ≈ 107 bytes per document in `npm run bench:disk`, one row per item name, register
// and day.
//
// Additive, so workers of the previous release keep running while this one rolls out (docs/operations.md, Upgrades):
// - report_item_daily stays, and a previous release's worker still adds to it by name until it is restarted;
// - the rows stored so far move to report_item_daily_ids here (their names added to the dictionary under their
//   organization's INN, '' for rows without an organization);
// - report_item_daily_named gives the rows of both tables; readers sum over it, so a row in each for the same key
//   (written before and after a worker's restart) counts once each, as it should: rollups are additive.
// - rebuildRollups replaces the days it rebuilds in both. A later migration folds what is left in report_item_daily.
// Item without a name (no 1030): name_id 0 (the dictionary's ids start at 1); the view shows it as '', as before.
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
    insert into item_name_dictionary (user_inn, name)
    select distinct coalesce(o.inn, ''), r.name from report_item_daily r left join organizations o on o.id = r.organization_id
     where r.name <> ''
     order by 1, 2
    on conflict (user_inn, name) do nothing
  `.execute(db);
  await sql`
    insert into report_item_daily_ids (day, organization_id, outlet_id, register_id, name_id, quantity, sum)
    select r.day, r.organization_id, r.outlet_id, r.register_id, coalesce(n.id, 0), r.quantity, r.sum
      from report_item_daily r
      left join organizations o on o.id = r.organization_id
      left join item_name_dictionary n on n.user_inn = coalesce(o.inn, '') and n.name = r.name and r.name <> ''
  `.execute(db);
  await sql`delete from report_item_daily`.execute(db);
  await sql`
    create view report_item_daily_named as
      select r.day, r.organization_id, r.outlet_id, r.register_id, coalesce(n.name, '') as name, r.quantity, r.sum
        from report_item_daily_ids r left join item_name_dictionary n on n.id = r.name_id
      union all
      select day, organization_id, outlet_id, register_id, name, quantity, sum from report_item_daily
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
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
