// A receipt's item name ids as one character each (issue 12 target 4, disk per receipt).
//
// documents.item_name_ids (migration 0070) is an integer[]: 21 bytes of array header and 4 bytes an item, ≈ 53 bytes
// a receipt of 7.8 items in `npm run bench:disk`. A text of one character per id takes 1 byte of header and 2 bytes
// an item while the dictionary holds under ≈ 1 900 names, 3 under ≈ 63 000, 4 beyond: ≈ 17 bytes there.
//
// - documents.item_name_id_chars: the ids in item order, id n as the character U+0080 + n (U+0080 itself: an item
//   without 1030), the surrogates U+D800–U+DFFF skipped (PostgreSQL's text cannot hold them). Ids up to 1 111 935 fit;
//   a receipt with a larger one keeps item_name_ids (src/db/item-name-id-chars.ts). Null: no items. The database must
//   be UTF8 (elsewhere chr() has no such characters): this migration refuses another encoding with what to do. (Since
//   0005 the migrations fail in most others anyway, on a character of a function's comment; SQL_ASCII would pass.)
// - The item filter tests a row with ONE regular expression, a bracket of the matched names' characters
//   (`item_name_id_chars ~ '[…]'`, src/db/item-name-dictionary.ts): ≈ 0.2 µs a row, whereas unpacking ids in SQL costs
//   ≈ 6 µs (a sub-select per row), and UTF-8 keeps every character whole, so no id can be found inside two others. A
//   bracket of more than a few thousand characters takes PostgreSQL long to compile: past that the filter looks each
//   row's ids up (ofd_item_names_match).
// - ofd_item_name_char(id), ofd_item_name_ids(chars, ids), ofd_item_names(chars, ids, names) and
//   ofd_item_names_match(chars, ids, pattern): what SQL readers use; receipt_items reads all three generations of rows.
// - Rows stored before keep their item_name_ids (or item_names, before 0070): nothing is rewritten at upgrade.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

/** As in 0070: months detached from documents need the column too, or they could not be attached again. */
async function detachedMonths(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c
     where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r' and c.relname ~ '^documents_p[0-9]{6}$'
       and not exists (select 1 from pg_inherits i where i.inhrelid = c.oid)`.execute(db);
  return rows.map((r) => r.name);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    do $$ begin
      if getdatabaseencoding() <> 'UTF8' then
        raise exception 'the OFD database must be UTF8, this one is %', getdatabaseencoding()
          using hint = 'create a database with ENCODING ''UTF8'' (template0) and restore a dump of this one into it';
      end if;
    end $$`.execute(db);
  await sql`alter table documents add column item_name_id_chars text collate "C"`.execute(db);
  for (const month of await detachedMonths(db)) {
    await sql`alter table ${sql.table(month)} add column if not exists item_name_id_chars text collate "C"`.execute(db);
  }
  // 1 + 128 = U+0081 … 55 167 + 128 = U+D7FF, then 55 168 + 2 176 = U+E000 … 1 111 935 + 2 176 = U+10FFFF.
  await sql`
    create function ofd_item_name_char(id integer) returns text
    language sql immutable parallel safe as $$
      select chr(case when id is null then 128 when id >= 55168 then id + 2176 else id + 128 end)
    $$
  `.execute(db);
  await sql`
    create function ofd_item_name_ids(chars text, ids integer[]) returns integer[]
    language sql immutable parallel safe as $$
      select case when chars is null then ids else array(
        select nullif(case when c >= 57344 then c - 2176 else c - 128 end, 0)
          from string_to_table(chars, null) with ordinality as u(ch, n), ascii(u.ch) as c
         order by u.n)
      end
    $$
  `.execute(db);
  // Each id decoded and looked up in place (an index probe per item): calling ofd_item_name_ids here would be a
  // second function call per row, ≈ 4 times slower, and a join lets the planner hash the whole dictionary.
  await sql`
    create function ofd_item_names(chars text, ids integer[], names text[]) returns text[]
    language sql stable parallel safe as $$
      select case
        when chars is null then ofd_item_names(ids, names)
        else array(
          select (select n.name from item_name_dictionary n where n.id = case when c >= 57344 then c - 2176 else c - 128 end)
            from string_to_table(chars, null) with ordinality as u(ch, i), ascii(u.ch) as c
           order by u.i)
      end
    $$
  `.execute(db);
  // The item filter past the matched names one bracket holds (src/db/item-name-dictionary.ts): whether one of the
  // row's items, by id, has a name matching the ILIKE pattern. A function, never inlined (it holds sub-selects), with
  // a cost of its own: written out in the query, the per-row lookup would make the planner expect a cost that turns
  // on JIT compilation for every filtered list, though most never take this path.
  // (The names compare in the database's collation: item_name_id_chars is "C", and a call passing it would otherwise
  // make ILIKE fold case as "C" does — not Cyrillic.)
  await sql`
    create function ofd_item_names_match(chars text, ids integer[], pattern text) returns boolean
    language sql stable parallel safe cost 100 as $$
      select case
        when chars is not null then exists (
          select 1 from string_to_table(chars, null) as u(ch), ascii(u.ch) as c
           where (select n.name from item_name_dictionary n where n.id = case when c >= 57344 then c - 2176 else c - 128 end)
                 ilike pattern collate "default")
        when ids is not null then exists (
          select 1 from unnest(ids) as u(id) where (select n.name from item_name_dictionary n where n.id = u.id) ilike pattern collate "default")
        else false
      end
    $$
  `.execute(db);
  await sql`drop view receipt_items`.execute(db);
  await sql`
    create view receipt_items as
    select d.fn, d.fd, d.received_at, (i.n - 1)::smallint as item_index, i.name
    from documents d
    cross join lateral unnest(ofd_item_names(d.item_name_id_chars, d.item_name_ids, d.item_names)) with ordinality as i(name, n)
    where d.item_names is not null or d.item_name_ids is not null or d.item_name_id_chars is not null
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Writers wait until this commits: a row a worker of this release stored after the update below would lose its ids
  // with the column (the partitions are locked with their parent).
  await sql`lock table documents in share row exclusive mode`.execute(db);
  await sql`drop view receipt_items`.execute(db);
  // The ids go back into item_name_ids, detached months included: nothing is lost going down.
  const detached = await detachedMonths(db);
  for (const table of ['documents', ...detached]) {
    await sql`update ${sql.table(table)} set item_name_ids = ofd_item_name_ids(item_name_id_chars, null), item_name_id_chars = null
               where item_name_id_chars is not null`.execute(db);
  }
  await sql`drop function ofd_item_names_match(text, integer[], text)`.execute(db);
  await sql`drop function ofd_item_names(text, integer[], text[])`.execute(db);
  await sql`drop function ofd_item_name_ids(text, integer[])`.execute(db);
  await sql`drop function ofd_item_name_char(integer)`.execute(db);
  await sql`alter table documents drop column item_name_id_chars`.execute(db);
  for (const month of detached) await sql`alter table ${sql.table(month)} drop column if exists item_name_id_chars`.execute(db);
  await sql`
    create view receipt_items as
    select d.fn, d.fd, d.received_at, (i.n - 1)::smallint as item_index, i.name
    from documents d
    cross join lateral unnest(ofd_item_names(d.item_name_ids, d.item_names)) with ordinality as i(name, n)
    where d.item_names is not null or d.item_name_ids is not null
  `.execute(db);
}
