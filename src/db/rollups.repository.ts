/**
 * Report rollups, the write side (src/reports/ reads them): hourly and daily aggregates of settlement documents
 * (receipts, BSO, corrections) per organization, outlet, register, operation type (1054) and taxation system (1055), with
 * the payment-method (1031, 1081, 1215–1217) and VAT (1102–1107) totals; and daily net sales per item name (ABC/XYZ).
 *
 * Three ways in, all the same set-based SQL (the upserts below) over a batch of documents passed as arrays:
 * - `applyBatchRollups(trx, docs)`: the persist path. In the persist transaction, with the documents THAT transaction
 *   newly inserted (never duplicates: the persist path inserts a (fn, fd) once, so adding is idempotent with it), fed
 *   from the values the worker has just written — not read back from `documents` / `receipt_items`: re-reading them
 *   cost as much as the upserts themselves.
 * - `applyRollups(trx, keys)` / `withdrawRollups(trx, keys)`: add or take out the stored rows of the given keys. `ofd
 *   reprocess` takes a batch out before it rebuilds the batch's rows and adds it back after, so the reports follow a
 *   decoder fix; rows left at zero by it are dropped (`dropZeroRollups`).
 * - `rebuildRollups(db, range)`: recompute a period of local days from the documents (backfill, repair, benchmarks).
 *   It locks the rollup tables against concurrent `applyRollups` for its duration, so nothing is counted twice or lost.
 * The stored paths read the documents rows and decode their items' quantity and sum from the raw containers in Node
 * (src/db/stored-items.ts; migration 0066: not stored, and PostgreSQL cannot decode TLV), a page at a time.
 * Rows are upserted in key order so concurrent batches do not deadlock on each other.
 *
 * Items are counted by their name's id in item_name_dictionary (report_item_daily_ids, migration 0075; 0: an item
 * without a name): the persist path passes the ids it resolved for the documents; the stored paths resolve the names
 * they read (ItemNameDictionary, in their transaction). Readers take report_item_daily_named, which gives the names.
 */
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.js';
import type { JsonInt8 } from './document-batch.repository.js';
import { ItemNameDictionary, itemNameIdOf, type ItemNameIds } from './item-name-dictionary.js';
import { itemNameIdsOfChars } from './item-name-id-chars.js';
import { arrayLiteral, columnArrays, unnestSql, type ArrayColumn } from './pg-array.js';
import { storedItems, type StoredItemsSource } from './stored-items.js';
import { loadRawContexts } from './raw-contexts.js';

/** What the persist path knows of a document it has just inserted: its key (a DocumentJob fits). */
export interface InsertedDocumentKey {
  readonly fn: string;
  readonly fd: number;
}

/** Local days, `YYYY-MM-DD`; `to` exclusive. */
export interface DayRange {
  readonly from: string;
  readonly to: string;
}

/** Forms that carry a settlement: 3 receipt, 4 BSO, 31 correction receipt, 41 correction BSO. */
const SETTLEMENT_FORMS_LIST = '(3, 4, 31, 41)';
const SETTLEMENT_FORMS = sql.raw(SETTLEMENT_FORMS_LIST);


const MEASURES = [
  'receipts',
  'total_sum',
  'cash_sum',
  'ecash_sum',
  'prepaid_sum',
  'credit_sum',
  'provision_sum',
  'nds20_sum',
  'nds10_sum',
  'nds0_base',
  'nds_no_base',
  'nds20_120_sum',
  'nds10_110_sum',
] as const;

/** +1 adds documents to the rollups, −1 takes them out (the same sums, negated). */
type Sign = 1 | -1;
const signed = (sign: Sign, expr: string) => (sign === 1 ? expr : `-(${expr})`);
const ROLLUP_DIMS = (bucket: 'hour' | 'day') => `${bucket}, organization_id, outlet_id, register_id, operation_type, taxation_type`;
const ITEM_DIMS = 'day, organization_id, outlet_id, register_id, name_id';

function rollupInsert(table: 'report_rollup_hourly' | 'report_rollup_daily', bucketExpr: string, upsert: boolean, sign: Sign = 1): string {
  const bucket = table === 'report_rollup_hourly' ? 'hour' : 'day';
  const dims = ROLLUP_DIMS(bucket);
  const sums = MEASURES.map((m) => signed(sign, m === 'receipts' ? 'count(*)' : `sum(${m})`)).join(', ');
  const onConflict = upsert
    ? ` on conflict (${dims}) do update set ${MEASURES.map((m) => `${m} = ${table}.${m} + excluded.${m}`).join(', ')}`
    : '';
  return `insert into ${table} (${dims}, ${MEASURES.join(', ')})
     select ${bucketExpr}, organization_id, outlet_id, register_id, operation_type, taxation_type, ${sums}
     from src group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6${onConflict}`;
}

/** `itemsJoin` joins `src s` to its documents' items `i` (name_id, quantity, sum). */
function itemInsert(itemsJoin: string, upsert: boolean, sign: Sign = 1): string {
  const onConflict = upsert
    ? ' on conflict (day, organization_id, outlet_id, register_id, name_id) do update set quantity = report_item_daily_ids.quantity + excluded.quantity, sum = report_item_daily_ids.sum + excluded.sum'
    : '';
  // Sales only: 1 sell adds, 2 sell return subtracts; purchases (3, 4) are not sales.
  return `
    insert into report_item_daily_ids (day, organization_id, outlet_id, register_id, name_id, quantity, sum)
    select s.date_time::date, s.organization_id, s.outlet_id, s.register_id, i.name_id,
      ${signed(sign, 'sum(case when s.operation_type = 2 then -coalesce(i.quantity, 0) else coalesce(i.quantity, 0) end)')},
      ${signed(sign, 'sum(case when s.operation_type = 2 then -coalesce(i.sum, 0) else coalesce(i.sum, 0) end)')}
    from src s ${itemsJoin}
    where s.operation_type in (1, 2)
    group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5${onConflict}`;
}

/**
 * After `with src as materialized (…),`: the three upserts fed from src, and the statement's result. `keys`: the keys
 * of the rows they wrote, as three JSON arrays (h, d, i); otherwise their counts (the persist path: no JSON to build).
 */
function upserts(itemsJoin: string, upsert: boolean, sign: Sign = 1, keys = false): string {
  const returning = (dims: string) => (keys ? dims : '1');
  const result = (cte: string) => (keys ? `(select coalesce(json_agg(${cte}), '[]') from ${cte})` : `(select count(*) from ${cte})`);
  return `
    h as (${rollupInsert('report_rollup_hourly', "date_trunc('hour', date_time)", upsert, sign)} returning ${returning(ROLLUP_DIMS('hour'))}),
    dd as (${rollupInsert('report_rollup_daily', 'date_time::date', upsert, sign)} returning ${returning(ROLLUP_DIMS('day'))}),
    it as (${itemInsert(itemsJoin, upsert, sign)} returning ${returning(ITEM_DIMS)})
    select ${result('h')} as h, ${result('dd')} as d, ${result('it')} as i`;
}

/** The rollup rows a statement wrote, by key (see upserts). */
export interface TouchedRollups {
  readonly h: readonly Record<string, unknown>[];
  readonly d: readonly Record<string, unknown>[];
  readonly i: readonly Record<string, unknown>[];
}

// ---- the persist path: the batch's own values --------------------------------------------------------------------

/**
 * What the rollups take of a document the persist transaction has just stored, as it was written: the documents
 * columns (`cash_sum` is cash_total_sum, `ecash_sum` ecash_total_sum), the organization of its valid 1018 INN, and from
 * its FNS JSON 1055 appliedTaxationType and the VAT totals 1102–1107 (`nds18`, `nds10`, `nds0`, `ndsNo`, `nds18118`,
 * `nds10110`) — what documentSource reads back. Int8 values: a number, or a decimal string beyond 2^53.
 */
export interface RollupDocumentRow {
  form: number;
  date_time: string | null;
  organization_id: number | null;
  outlet_id: number | null;
  register_id: number | null;
  operation_type: number | null;
  taxation_type: number | null;
  total_sum: JsonInt8 | null;
  cash_sum: JsonInt8 | null;
  ecash_sum: JsonInt8 | null;
  prepaid_sum: JsonInt8 | null;
  credit_sum: JsonInt8 | null;
  provision_sum: JsonInt8 | null;
  nds20_sum: JsonInt8 | null;
  nds10_sum: JsonInt8 | null;
  nds0_base: JsonInt8 | null;
  nds_no_base: JsonInt8 | null;
  nds20_120_sum: JsonInt8 | null;
  nds10_110_sum: JsonInt8 | null;
}

/**
 * A receipt item as the rollups count it: its name's id in item_name_dictionary (0: no name); quantity, the exact decimal
 * with its scale, and sum as derived from the raw container.
 */
export interface RollupItem {
  readonly nameId: number;
  readonly quantity: string | null;
  readonly sum: JsonInt8 | null;
}

export interface RollupDocument {
  readonly row: RollupDocumentRow;
  readonly items: readonly RollupItem[];
}

const BATCH_COLUMNS: readonly ArrayColumn<RollupDocumentRow>[] = [
  { name: 'form', type: 'smallint' },
  { name: 'date_time', type: 'timestamp' },
  { name: 'organization_id', type: 'bigint' },
  { name: 'outlet_id', type: 'bigint' },
  { name: 'register_id', type: 'bigint' },
  { name: 'operation_type', type: 'smallint' },
  { name: 'taxation_type', type: 'smallint' },
  ...MEASURES.filter((m) => m !== 'receipts').map((name) => ({ name, type: 'bigint' })),
];

const BATCH_ITEM_COLUMNS = [
  { name: 'doc', type: 'integer' },
  { name: 'name_id', type: 'integer' },
  { name: 'quantity', type: 'numeric' },
  { name: 'sum', type: 'bigint' },
] as const;

/**
 * The statement over a batch of documents given as arrays (`ord`: a document's 1-based position): the rollup source's
 * columns and filter, its items by `doc` (their document's position), then the upserts. Used by the persist path (its
 * own values) and by the stored path (rows read back, items decoded from their raw containers).
 */
// Unknown dimensions are 0, missing totals count 0.
const ZERO_WHEN_NULL = ['organization_id', 'outlet_id', 'register_id', 'taxation_type', ...MEASURES.filter((m) => m !== 'receipts')];
const BATCH_SRC = `
    select d.ord, d.date_time, d.operation_type, ${ZERO_WHEN_NULL.map((c) => `coalesce(d.${c}, 0) as ${c}`).join(', ')}
    from ${unnestSql(BATCH_COLUMNS, 1, 'd', true)}
    where d.form in ${SETTLEMENT_FORMS_LIST} and d.operation_type is not null and d.date_time is not null`;
const BATCH_ITEMS = `join ${unnestSql(BATCH_ITEM_COLUMNS, BATCH_COLUMNS.length + 1, 'i')} on i.doc = s.ord`;

function batchRollupsSql(sign: Sign, keys: boolean): string {
  return `with src as materialized (${BATCH_SRC}), ${upserts(BATCH_ITEMS, true, sign, keys)}`;
}

/**
 * Over the same parameters: moves the rows by name (report_item_daily, written before migration 0075) of the batch's
 * item keys into report_item_daily_ids, so withdrawing the batch there cancels what it added by name — rows left at
 * zero are then dropped (dropZeroRollups) instead of a +X by name and a −X by id both staying. Name id 0 is the
 * nameless item, '' by name.
 */
const BATCH_FOLD_BY_NAME = `
  with src as materialized (${BATCH_SRC}),
  k as (
    select distinct s.date_time::date as day, s.organization_id, s.outlet_id, s.register_id, i.name_id, coalesce(n.name, '') as name
      from src s ${BATCH_ITEMS} left join item_name_dictionary n on n.id = i.name_id
     where s.operation_type in (1, 2)),
  moved as (
    delete from report_item_daily r using k
     where (r.day, r.organization_id, r.outlet_id, r.register_id, r.name) = (k.day, k.organization_id, k.outlet_id, k.register_id, k.name)
    returning r.day, r.organization_id, r.outlet_id, r.register_id, k.name_id, r.quantity, r.sum)
  insert into report_item_daily_ids (day, organization_id, outlet_id, register_id, name_id, quantity, sum)
  select day, organization_id, outlet_id, register_id, name_id, sum(quantity), sum(sum) from moved
   group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5
  on conflict (day, organization_id, outlet_id, register_id, name_id)
    do update set quantity = report_item_daily_ids.quantity + excluded.quantity, sum = report_item_daily_ids.sum + excluded.sum`;

/** Adding (the persist path, applyRollups, rebuildRollups) and withdrawing (reprocess: returns the keys it touched). */
const BATCH_ROLLUPS = batchRollupsSql(1, false);
const BATCH_WITHDRAW = batchRollupsSql(-1, true);

/** The parameters of BATCH_ROLLUPS: one array per document column, then the items' four. */
function batchRollupParameters(docs: readonly RollupDocument[]): string[] {
  const doc: number[] = [];
  const items: RollupItem[] = [];
  docs.forEach((d, i) => {
    for (const item of d.items) {
      doc.push(i + 1);
      items.push(item);
    }
  });
  return [
    ...columnArrays(
      docs.map((d) => d.row),
      BATCH_COLUMNS,
    ),
    arrayLiteral(doc),
    arrayLiteral(items.map((i) => i.nameId)),
    arrayLiteral(items.map((i) => i.quantity)),
    arrayLiteral(items.map((i) => i.sum)),
  ];
}

/**
 * Adds the documents the current persist transaction has just stored to the rollups, from the values it wrote. Call it
 * in that transaction with ONLY the newly stored documents (re-sent copies that were not stored must not be passed: they
 * would be counted twice). Documents that are not settlements are ignored. Gives exactly what applyRollups gives over
 * the same documents once stored.
 */
export async function applyBatchRollups(trx: Transaction<Database>, docs: readonly RollupDocument[]): Promise<void> {
  if (docs.length === 0) return;
  await trx.executeQuery(CompiledQuery.raw(BATCH_ROLLUPS, batchRollupParameters(docs)));
}

/** Of the stored rows: what the rollups take (RollupDocumentRow's names) and what their items are read from. */
const STORED_SOURCE = sql`
  select d.form, d.date_time, o.id as organization_id, d.outlet_id, d.register_id, d.operation_type, d.taxation_type,
    d.total_sum, d.cash_total_sum as cash_sum, d.ecash_total_sum as ecash_sum, d.prepaid_sum, d.credit_sum, d.provision_sum,
    d.nds20_sum, d.nds10_sum, d.nds0_base, d.nds_no_base, d.nds20_120_sum, d.nds10_110_sum,
    coalesce(d.user_inn, '') as item_inn, d.item_name_id_chars, d.item_name_ids, d.item_names as legacy_item_names, d.raw_container, d.raw_codec
  from documents d left join organizations o on o.inn = d.user_inn
  where d.form in ${SETTLEMENT_FORMS} and d.operation_type is not null and d.date_time is not null`;

type StoredRollupRow = RollupDocumentRow &
  Omit<StoredItemsSource, 'item_names'> & {
    item_inn: string;
    /** Since migration 0083 (item-name-id-chars.ts). */
    item_name_id_chars: string | null;
    /** Migrations 0070–0082, and since then a receipt with an id beyond a character. */
    item_name_ids: (number | null)[] | null;
    /** Rows stored before migration 0070 (item_name_ids null). */
    legacy_item_names: (string | null)[] | null;
  };

/** A name's id for the item rollups: 0 for an item without a name (itemNameIdOf). */
const rollupNameId = (ids: ItemNameIds, inn: string | null, name: string | null): number => itemNameIdOf(ids, inn, name) ?? 0;

/**
 * Stored rows as the persist path passes its documents: the items' quantity and sum are decoded from the raw container
 * (migration 0066: not stored), only for sales and sale returns, the only operations the item rollups count. A row
 * stored since migration 0070 gives its names' ids as they are; one stored before gives names, whose ids are looked up
 * in `db`'s transaction — and added there when the dictionary lacks them (`addNames`), nothing cached, so an id of a
 * transaction that rolls back is never used again. rebuildRollups adds them beforehand and only looks them up here: it
 * adds none while it holds its locks.
 */
async function rollupDocuments(
  db: Kysely<Database> | Transaction<Database>,
  rows: readonly StoredRollupRow[],
  addNames = true,
): Promise<RollupDocument[]> {
  await loadRawContexts(db, rows);
  const decoded = rows.map(({ item_inn, item_name_id_chars, item_name_ids, legacy_item_names, raw_container, raw_codec, ...row }) => {
    const sale = row.operation_type === 1 || row.operation_type === 2;
    // As ofd_item_names reads a row: its id characters, else its names when it has them, else its ids (a row holds one
    // of the three). storedItems takes names only for the
    // count and order of the items, so the ids stand in for them here.
    const ids = item_name_id_chars !== null ? itemNameIdsOfChars(item_name_id_chars) : legacy_item_names === null ? item_name_ids : null;
    const item_names = ids?.map(() => null) ?? legacy_item_names;
    const items = sale ? storedItems({ item_names, raw_container, raw_codec }) : [];
    return { row, inn: item_inn, ids, items };
  });
  const names = decoded.flatMap((d) => (d.ids !== null ? [] : d.items.flatMap((i) => (i.name === null ? [] : [{ inn: d.inn, name: i.name }]))));
  const ids = addNames ? await new ItemNameDictionary().idsOf(db, names, { remember: false }) : await ItemNameDictionary.existingIdsOf(db, names);
  return decoded.map((d) => ({
    row: d.row,
    items: d.items.map((i) => ({
      nameId: d.ids !== null ? (d.ids[i.item_index] ?? 0) : rollupNameId(ids, d.inn, i.name),
      quantity: i.quantity,
      sum: i.sum,
    })),
  }));
}

/**
 * Adds the names of the period's documents stored before migration 0070 to the dictionary, each statement committed on
 * its own (rows are never deleted, so an id added here names its text for good): the rebuild then only reads ids while
 * it holds the rollup tables' locks. Adding them under those locks could deadlock with `ofd reprocess`, which adds names
 * in its transaction before it takes the same locks.
 */
async function addLegacyItemNames(db: Kysely<Database>, range: DayRange): Promise<void> {
  const { rows } = await sql<{ inn: string; name: string }>`
    select distinct coalesce(d.user_inn, '') as inn, u.name
      from documents d cross join unnest(d.item_names) as u(name)
     where d.item_names is not null and u.name is not null and d.form in ${SETTLEMENT_FORMS} and d.operation_type in (1, 2)
       and d.date_time >= ${range.from}::date and d.date_time < ${range.to}::date`.execute(db);
  if (rows.length > 0) await new ItemNameDictionary().idsOf(db, rows);
}

/** The stored settlement documents of `keys` (received_at from document_keys: full-key probes). */
async function storedDocuments(db: Kysely<Database> | Transaction<Database>, keys: readonly InsertedDocumentKey[]): Promise<RollupDocument[]> {
  const fns = keys.map((d) => d.fn);
  const fds = keys.map((d) => String(d.fd));
  const { rows } = await sql<StoredRollupRow>`${STORED_SOURCE}
    and (d.fn, d.fd, d.received_at) in (select k.fn, k.fd, k.received_at from document_keys k
      join unnest(${fns}::text[], ${fds}::bigint[]) u(fn, fd) on k.fn = u.fn and k.fd = u.fd)`.execute(db);
  return rollupDocuments(db, rows);
}

/**
 * Adds stored documents to the rollups, from their stored rows. Call it in the transaction that stored (or rebuilt)
 * them, with ONLY those documents: a document added twice is counted twice. Documents that are not settlements are
 * ignored.
 */
export async function applyRollups(trx: Transaction<Database> | Kysely<Database>, keys: readonly InsertedDocumentKey[]): Promise<void> {
  if (keys.length === 0) return;
  const docs = await storedDocuments(trx, keys);
  if (docs.length > 0) await trx.executeQuery(CompiledQuery.raw(BATCH_ROLLUPS, batchRollupParameters(docs)));
}

/**
 * Takes stored documents out of the rollups, from their stored rows: the exact inverse of applyRollups over the same
 * rows. `ofd reprocess` calls it on a batch, in its transaction and before it rewrites the batch's rows, then
 * applyRollups after; returns the keys it touched, for dropZeroRollups.
 *
 * An item's quantity and sum are decoded from the raw container by the current decoder (they are not stored): after a
 * decoder fix that changes them, the item rollups withdrawn are the new values, not the ones an older decoder added —
 * rebuild the item rollups of those days (rebuildRollups) after such a reprocess. Every other measure is withdrawn as
 * stored.
 */
export async function withdrawRollups(trx: Transaction<Database>, keys: readonly InsertedDocumentKey[]): Promise<TouchedRollups> {
  if (keys.length === 0) return { h: [], d: [], i: [] };
  const docs = await storedDocuments(trx, keys);
  if (docs.length === 0) return { h: [], d: [], i: [] };
  const parameters = batchRollupParameters(docs);
  await trx.executeQuery(CompiledQuery.raw(BATCH_FOLD_BY_NAME, parameters));
  const { rows } = await trx.executeQuery<TouchedRollups>(CompiledQuery.raw(BATCH_WITHDRAW, parameters));
  return rows[0] ?? { h: [], d: [], i: [] };
}

/**
 * Deletes the rows among `touched` that no document adds to any more (every measure 0): a rebuilt document that moved to
 * another day, register or taxation system leaves its old rows at zero, and a report must not list them.
 */
export async function dropZeroRollups(trx: Transaction<Database>, touched: TouchedRollups): Promise<void> {
  const zero = MEASURES.map((m) => `r.${m} = 0`).join(' and ');
  const statements: Array<[string, readonly Record<string, unknown>[]]> = [
    [
      `delete from report_rollup_hourly r using json_to_recordset($1::json) as k(hour timestamp, organization_id bigint, outlet_id bigint,
         register_id bigint, operation_type smallint, taxation_type smallint)
       where (r.hour, r.organization_id, r.outlet_id, r.register_id, r.operation_type, r.taxation_type)
           = (k.hour, k.organization_id, k.outlet_id, k.register_id, k.operation_type, k.taxation_type) and ${zero}`,
      touched.h,
    ],
    [
      `delete from report_rollup_daily r using json_to_recordset($1::json) as k(day date, organization_id bigint, outlet_id bigint,
         register_id bigint, operation_type smallint, taxation_type smallint)
       where (r.day, r.organization_id, r.outlet_id, r.register_id, r.operation_type, r.taxation_type)
           = (k.day, k.organization_id, k.outlet_id, k.register_id, k.operation_type, k.taxation_type) and ${zero}`,
      touched.d,
    ],
    [
      `delete from report_item_daily_ids r using json_to_recordset($1::json) as k(day date, organization_id bigint, outlet_id bigint,
         register_id bigint, name_id integer)
       where (r.day, r.organization_id, r.outlet_id, r.register_id, r.name_id) = (k.day, k.organization_id, k.outlet_id, k.register_id, k.name_id)
         and r.quantity = 0 and r.sum = 0`,
      touched.i,
    ],
  ];
  for (const [statement, keys] of statements) {
    if (keys.length > 0) await trx.executeQuery(CompiledQuery.raw(statement, [JSON.stringify(keys)]));
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Documents per page of a rebuild (each page: one fetch, decoding in Node, one upsert statement). */
const REBUILD_PAGE = 2000;

/**
 * Recomputes the rollups of the local days [from, to) from the stored documents, in one transaction. Concurrent
 * `applyRollups` calls wait for it (table locks), so the result is exact even while documents keep arriving.
 */
export async function rebuildRollups(db: Kysely<Database>, range: DayRange): Promise<void> {
  if (!DAY.test(range.from) || !DAY.test(range.to)) throw new RangeError('rebuildRollups: from/to must be YYYY-MM-DD');
  await addLegacyItemNames(db, range);
  await db.transaction().execute(async (trx) => {
    await sql`lock table report_rollup_hourly, report_rollup_daily, report_item_daily_ids, report_item_daily in share row exclusive mode`.execute(trx);
    await sql`delete from report_rollup_hourly where hour >= ${range.from}::date and hour < ${range.to}::date`.execute(trx);
    await sql`delete from report_rollup_daily where day >= ${range.from}::date and day < ${range.to}::date`.execute(trx);
    await sql`delete from report_item_daily_ids where day >= ${range.from}::date and day < ${range.to}::date`.execute(trx);
    // Rows a previous release's worker wrote by name during an upgrade (migration 0075): the rebuild replaces them too.
    await sql`delete from report_item_daily where day >= ${range.from}::date and day < ${range.to}::date`.execute(trx);
    // The period's documents through a cursor, a page at a time: their items are decoded in Node (memory: one page).
    await sql`declare rollup_rebuild no scroll cursor for ${STORED_SOURCE}
      and d.date_time >= ${range.from}::date and d.date_time < ${range.to}::date`.execute(trx);
    for (;;) {
      const { rows } = await sql<StoredRollupRow>`fetch forward ${sql.lit(REBUILD_PAGE)} from rollup_rebuild`.execute(trx);
      if (rows.length > 0) await trx.executeQuery(CompiledQuery.raw(BATCH_ROLLUPS, batchRollupParameters(await rollupDocuments(trx, rows, false))));
      if (rows.length < REBUILD_PAGE) break;
    }
    await sql`close rollup_rebuild`.execute(trx);
  });
}
