// Receipt item names are stored once, in a dictionary, and each document keeps their ids (issue 12, disk per receipt:
// item_names was ≈ 288 of the ≈ 1 985 bytes per document, measured by `npm run bench:disk`; 7.9 ids take ≈ 56).
//
// Why: a shop sells the same few hundred or thousand goods all day, so the same names (≈ 32 bytes each, Cyrillic being
// 2 bytes a letter) were written into every receipt again. PostgreSQL compresses a value only in rows over ≈ 2 KB
// (toast_tuple_target below that does not start compression: tried), so they were stored as they are.
//
// - item_name_dictionary: one row per distinct name of each organization (user_inn, 1018), never updated nor deleted
//   (an id names the same text forever, so the persist worker may cache ids). Names get there before the documents
//   transaction that refers to them, in their own committed statement (src/db/item-name-dictionary.ts): an id in a
//   document never names a rolled-back row. Per organization, not global: an item filter looks the pattern up among
//   one organization's names — its assortment, a few thousand — so what it matches stays a short list of ids however
//   many organizations the operator serves (a global dictionary matched ≈ 50 000 ids for 'молоко' out of 200 000 names
//   and the per-row `&&` took 11 s for 20 000 receipts).
// - documents.item_name_ids: the ids in item order (null element: an item without 1030), instead of item_names.
// - ofd_item_names(ids, names): what every SQL reader selects. Rows stored before this migration keep their item_names
//   (ids null) and are read as they are; `ofd reprocess` rewrites them with ids. Nothing rewrites them at upgrade: that
//   would be a full rewrite of every stored month.
// - The item filter and search look the pattern up among the organization's names once, then compare ids
//   (itemNameMatches, src/db/item-name-dictionary.ts).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

/**
 * Months detached from documents (the retention flow, src/db/partition-retention.ts) are tables of their own: a column
 * added to the parent does not reach them, and without it a month could not be attached again.
 */
async function detachedMonths(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c
     where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r' and c.relname ~ '^documents_p[0-9]{6}$'
       and not exists (select 1 from pg_inherits i where i.inhrelid = c.oid)`.execute(db);
  return rows.map((r) => r.name);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table item_name_dictionary (
      id integer generated always as identity primary key,
      -- the documents' user_inn ('' when a document has none)
      user_inn text collate "C" not null,
      name text not null,
      unique (user_inn, name)
    )
  `.execute(db);
  await sql`alter table documents add column item_name_ids integer[]`.execute(db);
  for (const month of await detachedMonths(db)) await sql`alter table ${sql.table(month)} add column if not exists item_name_ids integer[]`.execute(db);
  await sql`
    create function ofd_item_names(ids integer[], names text[]) returns text[]
    language sql stable parallel safe as $$
      select case
        when names is not null or ids is null then names
        else (select array_agg(n.name order by u.i)
                from unnest(ids) with ordinality as u(id, i)
                left join item_name_dictionary n on n.id = u.id)
      end
    $$
  `.execute(db);
  await sql`drop view receipt_items`.execute(db);
  await sql`
    create view receipt_items as
    select d.fn, d.fd, d.received_at, (i.n - 1)::smallint as item_index, i.name
    from documents d
    cross join lateral unnest(ofd_item_names(d.item_name_ids, d.item_names)) with ordinality as i(name, n)
    where d.item_names is not null or d.item_name_ids is not null
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop view receipt_items`.execute(db);
  // The names go back into the rows that hold ids: nothing is lost going down.
  await sql`update documents set item_names = ofd_item_names(item_name_ids, null) where item_name_ids is not null`.execute(db);
  const detached = await detachedMonths(db);
  for (const month of detached) {
    await sql`update ${sql.table(month)} set item_names = ofd_item_names(item_name_ids, null) where item_name_ids is not null`.execute(db);
  }
  await sql`drop function ofd_item_names(integer[], text[])`.execute(db);
  await sql`alter table documents drop column item_name_ids`.execute(db);
  for (const month of detached) await sql`alter table ${sql.table(month)} drop column if exists item_name_ids`.execute(db);
  await sql`drop table item_name_dictionary`.execute(db);
  await sql`
    create view receipt_items as
    select d.fn, d.fd, d.received_at, (i.n - 1)::smallint as item_index, i.name
    from documents d
    cross join lateral unnest(d.item_names) with ordinality as i(name, n)
    where d.item_names is not null
  `.execute(db);
}
