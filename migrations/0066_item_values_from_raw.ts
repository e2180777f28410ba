// Receipt items keep their names only; price, quantity and sum are read from the raw container (issue 12, disk per
// receipt: ≈ 230 of the ≈ 2 270 bytes per document, measured by `npm run bench:disk`).
//
// Why: item_prices bigint[], item_quantities numeric[] and item_sums bigint[] (migration 0054) repeated what the raw
// container says, byte for byte decodable: ≈ 75–78 bytes each per receipt of the loadtest's mix (7.4 items). No SQL
// filter, search or index reads them — only whole-document readers (the receipt-items export, the rollups' rebuild and
// reprocess), which already run in Node and now decode the container there (src/db/stored-items.ts: the persist
// worker's own derivation, so the values are the ones it stored: kopecks, the quantity's exact decimal with its scale).
// item_names stays: the item filter and search (`unnest(item_names) ilike`) and the marking-codes list read it in SQL.
//
// `receipt_items` stays a view with the key, item_index and name (what SQL readers use); its price, quantity and sum
// columns go with the arrays.
//
// Existing rows: the dropped columns' bytes stay in the old rows' tuples until they are rewritten (VACUUM FULL or
// pg_repack of a closed month's partition); nothing reads them.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop view receipt_items`.execute(db);
  await sql`alter table documents drop column item_prices, drop column item_quantities, drop column item_sums`.execute(db);
  await sql`
    create view receipt_items as
    select d.fn, d.fd, d.received_at, (i.n - 1)::smallint as item_index, i.name
    from documents d
    cross join lateral unnest(d.item_names) with ordinality as i(name, n)
    where d.item_names is not null
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop view receipt_items`.execute(db);
  // The arrays come back empty (null): only the decoder can fill them, which `ofd reprocess` of that version does.
  await sql`alter table documents add column item_prices bigint[], add column item_quantities numeric[], add column item_sums bigint[]`.execute(db);
  await sql`
    create view receipt_items as
    select d.fn, d.fd, d.received_at, (i.n - 1)::smallint as item_index, i.name, i.price, i.quantity, i.sum
    from documents d
    cross join lateral unnest(d.item_names, d.item_prices, d.item_quantities, d.item_sums) with ordinality as i(name, price, quantity, sum, n)
    where d.item_names is not null
  `.execute(db);
}
