// Receipt items move into their document's row, as four arrays (issue 12, disk per receipt).
//
// Why: one `receipt_items` row per item cost ≈ 150 bytes of heap (tuple header, the 35-byte document key, twelve
// columns) plus ≈ 110 bytes of primary key: ≈ 2 KB per receipt of the loadtest's mix (7.5 items), more than the
// document itself. Readers need four things of an item — its name (the item filter and search, the item rollups, the
// marking codes list, exports), price, quantity and sum (rollups, exports) — and the order. As arrays of the document
// row they cost ≈ 60 bytes per item and no key or index at all: item_names text[], item_prices bigint[],
// item_quantities numeric[] (each element keeps its own scale: '2.470'), item_sums bigint[], element i = item i (1059
// in document order). Everything else an item says (unit, VAT rate, payment and product type, its marking code) is read
// from the raw container (src/db/fns-json.ts, storedReceiptItems); marking codes keep their own table (looked up by code).
//
// `receipt_items` becomes a view over those arrays with the same key and columns readers used (fn, fd, received_at,
// item_index from 0, name, price, quantity, sum), so set-based SQL (rollups, exports) reads items as before; the
// planner flattens it into a lookup of the document row.
//
// Existing rows: their items are copied into the arrays (one pass over receipt_items and documents in this migration's
// transaction — run it in a maintenance window on a large installation), then the table and its partitions are dropped.
// ofd_ensure_document_partitions stops creating receipt_items partitions.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

const ENSURE_PARTITIONS = (tables: readonly string[]) => sql`
  create or replace function ofd_ensure_document_partitions(p_from date, p_months integer)
  returns setof text
  language plpgsql
  as $fn$
  begin
    ${sql.raw(tables.map((t) => `return query select ofd_ensure_monthly_partitions('${t}'::regclass, p_from, p_months);`).join('\n    '))}
  end
  $fn$
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table documents
      add column item_names text[],
      add column item_prices bigint[],
      add column item_quantities numeric[],
      add column item_sums bigint[]
  `.execute(db);
  await sql`
    update documents d set item_names = a.names, item_prices = a.prices, item_quantities = a.quantities, item_sums = a.sums
    from (
      select fn, fd, received_at, array_agg(name order by item_index) as names, array_agg(price order by item_index) as prices,
        array_agg(quantity order by item_index) as quantities, array_agg(sum order by item_index) as sums
      from receipt_items group by fn, fd, received_at
    ) a
    where d.fn = a.fn and d.fd = a.fd and d.received_at = a.received_at
  `.execute(db);
  await sql`drop table receipt_items`.execute(db);
  await ENSURE_PARTITIONS(['documents', 'marking_codes', 'document_events']).execute(db);
  await sql`
    create view receipt_items as
    select d.fn, d.fd, d.received_at, (i.n - 1)::smallint as item_index, i.name, i.price, i.quantity, i.sum
    from documents d
    cross join lateral unnest(d.item_names, d.item_prices, d.item_quantities, d.item_sums) with ordinality as i(name, price, quantity, sum, n)
    where d.item_names is not null
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop view receipt_items`.execute(db);
  // The table as migration 0002 made it, with only the columns the arrays kept (the others stay null until reprocess).
  await sql`
    create table receipt_items (
      fn text collate "C" not null, fd bigint not null, received_at timestamptz(3) not null,
      item_index smallint not null, name text, price bigint, quantity numeric, quantity_measure smallint, unit text, sum bigint,
      nds smallint, nds_sum bigint, payment_type smallint, product_type smallint, marking_code text,
      constraint receipt_items_pkey primary key (fn, fd, received_at, item_index)
    ) partition by range (received_at)
  `.execute(db);
  await sql`create table receipt_items_default partition of receipt_items default`.execute(db);
  await ENSURE_PARTITIONS(['documents', 'receipt_items', 'marking_codes', 'document_events']).execute(db);
  await sql`
    select ofd_ensure_monthly_partitions('receipt_items'::regclass, m, 1)
    from (select distinct date_trunc('month', received_at at time zone 'UTC')::date as m from documents) months
  `.execute(db);
  await sql`
    insert into receipt_items (fn, fd, received_at, item_index, name, price, quantity, sum)
    select d.fn, d.fd, d.received_at, (i.n - 1)::smallint, i.name, i.price, i.quantity, i.sum
    from documents d
    cross join lateral unnest(d.item_names, d.item_prices, d.item_quantities, d.item_sums) with ordinality as i(name, price, quantity, sum, n)
  `.execute(db);
  await sql`
    alter table documents drop column item_names, drop column item_prices, drop column item_quantities, drop column item_sums
  `.execute(db);
}
