/**
 * The persist worker's write path: a whole batch of documents in a fixed number of statements, whatever its size.
 *
 * Rows travel as one ARRAY parameter per column (`unnest($1::text[], $2::bigint[], …)`): no per-row parameters to
 * bind, no statement-size limit, and PostgreSQL parses a flat array literal faster than JSON. The raw containers travel
 * as one binary parameter, items and marking codes point at their document by position. `insertDocumentBatch` is a
 * single statement: the (fn, fd) registry `document_keys` is written first with `on conflict do nothing`, and
 * documents (their item names' ids as a text of the row, one character each: migrations 0054, 0066, 0070 and 0083) and marking codes are inserted for the
 * keys it claimed only — a copy of a stored document adds nothing, and no (fn, fd) gets a second documents row (the
 * foreign key documents (fn, fd) → document_keys, checked at the end of that statement when both rows exist, no longer
 * compares received_at: migration 0067). An ack report that came before its document (it waits in `document_acks`,
 * document-acks.repository.ts) goes into the key's row as it is inserted, and its waiting row is deleted. The key's row
 * also gets its number (fns_slot, migration 0080), by which the fns worker records the FNS's plain answer.
 *
 * What is not written (issue 12, disk per document): the FNS JSON (derived from raw_container on read,
 * src/db/fns-json.ts) and the 'received' / 'persisted' lifecycle events, which said nothing the documents row does not
 * (received_at, crypto, sign_status, flk_*, persisted_at, form): readers compose them from the row
 * (api-documents.repository.ts, storedLifecycleEvents).
 *
 * Everything is written in (fn, fd) order (fn compared byte-wise, `collate "C"`), so two batches sharing keys lock them
 * in the same order and cannot deadlock.
 */
import { CompiledQuery, type Transaction } from 'kysely';
import type { Database } from './database.js';
import type { DocumentKeysTable, MarkingCodesTable } from './tables/documents.js';
import { arrayLiteral, columnArrays, unnestSql, type ArrayColumn } from './pg-array.js';
import { itemNameIdOf, type ItemNameIds } from './item-name-dictionary.js';
import { MAX_ITEM_NAME_ID_CHAR } from './item-name-id-chars.js';
import type { PackedRaw } from './raw-container.js';

/** An int8 on its way in: a number, or a decimal string when beyond 2^53. */
export type JsonInt8 = number | string;

/** The document columns derived from its FNS JSON (the rest come from the job or the registry). */
export interface DocumentColumns {
  ffd_version: number | null;
  date_time: string | null;
  kkt_reg_id: string | null;
  user_inn: string | null;
  shift_number: JsonInt8 | null;
  request_number: JsonInt8 | null;
  operation_type: number | null;
  total_sum: JsonInt8 | null;
  cash_total_sum: JsonInt8 | null;
  ecash_total_sum: JsonInt8 | null;
  prepaid_sum: JsonInt8 | null;
  credit_sum: JsonInt8 | null;
  provision_sum: JsonInt8 | null;
  fiscal_sign: JsonInt8 | null;
  // message_fiscal_sign (ФПС) is no longer written: it is read from the raw container (message-fiscal-sign.ts).
  /** 1055 appliedTaxationType: filters and report rollups (the FNS JSON is not stored, migration 0053). */
  taxation_type: number | null;
  /** VAT totals 1102–1107 (FNS JSON nds18, nds10, nds0, ndsNo, nds18118, nds10110), for the report rollups. */
  nds20_sum: JsonInt8 | null;
  nds10_sum: JsonInt8 | null;
  nds0_base: JsonInt8 | null;
  nds_no_base: JsonInt8 | null;
  nds20_120_sum: JsonInt8 | null;
  nds10_110_sum: JsonInt8 | null;
  /** 1008 buyerPhoneOrAddress as written: search by a buyer's phone or e-mail. */
  buyer_contact: string | null;
}

export interface BatchDocumentRow extends DocumentColumns {
  fn: string;
  fd: number;
  /** ISO 8601 with zone. */
  received_at: string;
  form: number;
  register_id: number | null;
  outlet_id: number | null;
  /** null: verified, as OFD_STORE_USUAL_AS_NULL stores it (migration 0077; workers/persist/usual-as-null.ts). */
  sign_status: 'verified' | 'unverified' | null;
  /** null: passed (the same). */
  flk_status: 'passed' | 'failed' | null;
  /** ФЛК rule codes, as a PostgreSQL array literal (see flkCodesLiteral); null: none (the same). */
  flk_codes: string | null;
  ack_code: number | null;
  /** The crypto adapter that handled it (devsign, pkz, none): the 'received' lifecycle event tells it. */
  crypto: string;
  /** Whether derived rows were written (the document was recognised); not stored: flk_codes tells it. */
  derived: boolean;
}

export interface BatchDocument {
  readonly row: BatchDocumentRow;
  /** The raw container packed for storage (packRawContainer, by the caller, before its transaction). */
  readonly raw: PackedRaw;
  readonly items: readonly BatchItem[];
  readonly codes: readonly BatchMarkingCode[];
}

/** A receipt item; its document is the BatchDocument that carries it. */
export interface BatchItem {
  item_index: number;
  name: string | null;
  price: JsonInt8 | null;
  /** Exact decimal, its scale kept: '2.470'. */
  quantity: string | null;
  quantity_measure: number | null;
  unit: string | null;
  sum: JsonInt8 | null;
  nds: number | null;
  nds_sum: JsonInt8 | null;
  payment_type: number | null;
  product_type: number | null;
  marking_code: string | null;
}

/** A marking code of a receipt item (or of the 2007 entry of form 82); its document carries it. */
export type BatchMarkingCode = Omit<MarkingCodesTable, keyof DocumentKeysTable>;

/** Running totals to add to a shift (receipts newly stored in this batch). */
export interface ShiftTotalsDelta {
  fn: string;
  shift_number: JsonInt8;
  register_id: number | null;
  received_receipts: number;
  sell_total_sum: JsonInt8;
  sell_return_total_sum: JsonInt8;
  buy_total_sum: JsonInt8;
  buy_return_total_sum: JsonInt8;
}

export const documentKey = (fn: string, fd: number | string): string => `${fn}:${fd}`;

/**
 * `{"a","b"}`: a document's ФЛК codes as ONE text element of the flk_codes column (cast back to text[] in SQL): a
 * column of arrays cannot travel as text[][], whose rows must all have the same length.
 */
export function flkCodesLiteral(codes: readonly string[]): string {
  return `{${codes.map((c) => `"${c.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

export const DOCUMENT_COLUMNS: readonly ArrayColumn<BatchDocumentRow>[] = [
  { name: 'fn', type: 'text' },
  { name: 'fd', type: 'bigint' },
  { name: 'received_at', type: 'timestamptz' },
  { name: 'form', type: 'smallint' },
  { name: 'register_id', type: 'bigint' },
  { name: 'outlet_id', type: 'bigint' },
  { name: 'ffd_version', type: 'smallint' },
  { name: 'date_time', type: 'timestamp' },
  { name: 'kkt_reg_id', type: 'text' },
  { name: 'user_inn', type: 'text' },
  { name: 'shift_number', type: 'bigint' },
  { name: 'request_number', type: 'bigint' },
  { name: 'operation_type', type: 'smallint' },
  { name: 'total_sum', type: 'bigint' },
  { name: 'cash_total_sum', type: 'bigint' },
  { name: 'ecash_total_sum', type: 'bigint' },
  { name: 'prepaid_sum', type: 'bigint' },
  { name: 'credit_sum', type: 'bigint' },
  { name: 'provision_sum', type: 'bigint' },
  { name: 'fiscal_sign', type: 'bigint' },
  { name: 'taxation_type', type: 'smallint' },
  { name: 'nds20_sum', type: 'bigint' },
  { name: 'nds10_sum', type: 'bigint' },
  { name: 'nds0_base', type: 'bigint' },
  { name: 'nds_no_base', type: 'bigint' },
  { name: 'nds20_120_sum', type: 'bigint' },
  { name: 'nds10_110_sum', type: 'bigint' },
  { name: 'buyer_contact', type: 'text' },
  { name: 'sign_status', type: 'text' },
  { name: 'flk_status', type: 'text' },
  { name: 'flk_codes', type: 'text' },
  { name: 'ack_code', type: 'smallint' },
  { name: 'crypto', type: 'text' },
  { name: 'derived', type: 'boolean' },
];

/**
 * Items and codes travel with one more array, `doc`: the 1-based position of their document in the batch (it gives
 * them the document's fn, fd and received_at in SQL). Of an item, only what is stored travels (the rest of a BatchItem
 * is read from the raw container when wanted).
 */
export const ITEM_COLUMNS: readonly ArrayColumn<StoredItemRow>[] = [
  { name: 'item_index', type: 'smallint' },
  { name: 'name_id', type: 'integer' },
];

/** What an item stores: its position and its name's id in item_name_dictionary (migration 0070). */
interface StoredItemRow {
  item_index: number;
  name_id: number | null;
}

export const CODE_COLUMNS: readonly ArrayColumn<BatchMarkingCode>[] = [
  { name: 'item_index', type: 'smallint' },
  { name: 'code', type: 'text' },
  { name: 'code_type', type: 'text' },
  { name: 'gtin', type: 'text' },
  { name: 'operation_type', type: 'smallint' },
  { name: 'process_mode', type: 'smallint' },
  { name: 'check_result', type: 'smallint' },
];

const names = <R>(columns: readonly ArrayColumn<R>[], except: readonly string[] = []) =>
  columns.map((c) => c.name).filter((n) => !except.includes(n));

/**
 * The documents' item columns: only the names' ids (migrations 0066, 0070), price, quantity and sum being read from the
 * raw container (src/db/stored-items.ts) and the names from item_name_dictionary. One character per id
 * (item_name_id_chars, migration 0083, src/db/item-name-id-chars.ts) or, for a receipt with an id beyond a character,
 * the integer array; the other column null.
 */
export const ITEM_NAME_COLUMNS = ['item_name_id_chars', 'item_name_ids'] as const;
// (The database is UTF8: migration 0083 refuses another encoding.)
const CHAR_FITS = `(name_id is null or name_id <= ${MAX_ITEM_NAME_ID_CHAR})`;
const CHARS_FIT = `(coalesce(max(name_id), 0) <= ${MAX_ITEM_NAME_ID_CHAR})`;

/** The documents columns written from the batch as they are (the others are computed in SQL). */
export const DERIVED_DOCUMENT_COLUMN_NAMES = names(DOCUMENT_COLUMNS, ['fn', 'fd', 'received_at', 'sign_status', 'flk_status', 'flk_codes', 'ack_code', 'crypto', 'derived', 'register_id', 'outlet_id', 'form']);
export const CODE_NAMES = names(CODE_COLUMNS).join(', ');
const DOC_POSITION: readonly ArrayColumn<{ doc: number }>[] = [{ name: 'doc', type: 'integer' }];

/** Parameter numbers: documents' columns, then items' and codes' columns. */
const P_ITEMS = DOCUMENT_COLUMNS.length + 1;
const P_CODES = P_ITEMS + 1 + ITEM_COLUMNS.length;

/**
 * `input`: the batch's documents with `ord` (their 1-based position); `items_in` / `codes_in`: items and codes with
 * their document's (fn, fd, received_at). Shared by the insert and the rebuild (reprocess) statements.
 */
export const BATCH_INPUT_CTES = `
  input as materialized (
    select d.fn collate "C" as fn, d.fd, d.received_at, d.form, d.register_id, d.outlet_id,
      ${DERIVED_DOCUMENT_COLUMN_NAMES.map((n) => `d.${n}`).join(', ')},
      d.sign_status, d.flk_status, d.flk_codes::text[] as flk_codes, d.ack_code, d.crypto, d.derived, d.ord
    from ${unnestSql(DOCUMENT_COLUMNS, 1, 'd', true)}
  ),
  items_in as (
    select i.fn, i.fd, i.received_at, ${names(ITEM_COLUMNS).map((n) => `r.${n}`).join(', ')}
    from ${unnestSql([...DOC_POSITION, ...ITEM_COLUMNS], P_ITEMS, 'r')} join input i on i.ord = r.doc
  ),
  codes_in as (
    select i.fn, i.fd, i.received_at, ${names(CODE_COLUMNS).map((n) => `r.${n}`).join(', ')}
    from ${unnestSql([...DOC_POSITION, ...CODE_COLUMNS], P_CODES, 'r')} join input i on i.ord = r.doc
  ),
  item_arrays as (
    select fn, fd,
      -- (Both aggregates run whatever the case says: the one thrown away must not fail either.)
      case when ${CHARS_FIT} then string_agg(
        case when ${CHAR_FITS} then ofd_item_name_char(name_id) end, '' order by item_index)
      end as item_name_id_chars,
      case when not ${CHARS_FIT} then array_agg(name_id order by item_index) end as item_name_ids
    from items_in group by fn, fd
  )`;

/**
 * After BATCH_INPUT_CTES' parameters: the packed raw containers end to end (bytea), where each starts, its length and
 * its raw_codec (src/db/raw-container.ts).
 */
const P_RAW = P_CODES + 1 + CODE_COLUMNS.length;

const INSERT_BATCH = `
  with ${BATCH_INPUT_CTES},
  raw_in as (
    select r.ord, substring($${P_RAW}::bytea from r.start for r.length) as raw_container, r.codec as raw_codec
    from unnest($${P_RAW + 1}::integer[], $${P_RAW + 2}::integer[], $${P_RAW + 3}::smallint[]) with ordinality as r(start, length, codec, ord)
  ),
  waiting_acks as materialized (
    select a.fn, a.fd, a.acked_at, a.ack_code from document_acks a join input i on a.fn = i.fn::bigint and a.fd = i.fd
  ),
  claimed as (
    insert into document_keys (fn, fd, received_at, acked_at, ack_code, fns_slot)
    select i.fn, i.fd, i.received_at, w.acked_at, w.ack_code, nextval('document_key_slots')
      from input i left join waiting_acks w on w.fn = i.fn::bigint and w.fd = i.fd
     order by i.fn, i.fd
    on conflict (fn, fd) do nothing
    returning fn, fd, acked_at
  ),
  acks_taken as (
    delete from document_acks a using claimed c where c.acked_at is not null and a.fn = c.fn::bigint and a.fd = c.fd
  ),
  fresh as materialized (
    select i.* from input i join claimed c on c.fn = i.fn and c.fd = i.fd
  ),
  stored as (
    insert into documents (fn, fd, received_at, form, register_id, outlet_id, ${DERIVED_DOCUMENT_COLUMN_NAMES.join(', ')},
      ${ITEM_NAME_COLUMNS.join(', ')}, raw_container, raw_codec, crypto, sign_status, flk_status, flk_codes, ack_code)
    select f.fn, f.fd, f.received_at, f.form, f.register_id, f.outlet_id, ${DERIVED_DOCUMENT_COLUMN_NAMES.map((n) => `f.${n}`).join(', ')},
      ${ITEM_NAME_COLUMNS.map((n) => `a.${n}`).join(', ')}, r.raw_container, r.raw_codec, f.crypto, f.sign_status, f.flk_status, f.flk_codes, f.ack_code
    from fresh f join raw_in r on r.ord = f.ord left join item_arrays a on a.fn = f.fn and a.fd = f.fd order by f.fn, f.fd
  ),
  codes as (
    insert into marking_codes (fn, fd, received_at, ${CODE_NAMES})
    select r.* from codes_in r join claimed c on c.fn = r.fn and c.fd = r.fd
  )
  select fn, fd from claimed
`;

/** The parameters of BATCH_INPUT_CTES for `docs`, their items' names given by `nameIds` (every one of them). */
export function batchParameters(docs: readonly Omit<BatchDocument, 'raw'>[], nameIds: ItemNameIds): string[] {
  const items: StoredItemRow[] = [];
  const itemDocs: number[] = [];
  const codes: BatchMarkingCode[] = [];
  const codeDocs: number[] = [];
  docs.forEach((d, i) => {
    for (const item of d.items) {
      items.push({ item_index: item.item_index, name_id: itemNameIdOf(nameIds, d.row.user_inn, item.name) });
      itemDocs.push(i + 1);
    }
    for (const code of d.codes) {
      codes.push(code);
      codeDocs.push(i + 1);
    }
  });
  return [
    ...columnArrays(
      docs.map((d) => d.row),
      DOCUMENT_COLUMNS,
    ),
    arrayLiteral(itemDocs),
    ...columnArrays(items, ITEM_COLUMNS),
    arrayLiteral(codeDocs),
    ...columnArrays(codes, CODE_COLUMNS),
  ];
}

/**
 * The raw containers, already packed (packRawContainer: lossless, ≈ 0.4 of the size), as ONE binary parameter (node-postgres
 * sends a Buffer as binary): no base64 text to build, escape, encode and parse again in an array literal, no decode()
 * in SQL. Then where each starts (1-based), its length and its raw_codec (null: stored as received).
 */
function rawParameters(docs: readonly BatchDocument[]): [Buffer, string, string, string] {
  const packed = docs.map((d) => d.raw);
  const starts = new Array<number>(docs.length);
  const lengths = new Array<number>(docs.length);
  let at = 1;
  packed.forEach((p, i) => {
    starts[i] = at;
    lengths[i] = p.bytes.length;
    at += p.bytes.length;
  });
  return [
    Buffer.concat(packed.map((p) => p.bytes)),
    arrayLiteral(starts),
    arrayLiteral(lengths),
    arrayLiteral(packed.map((p) => p.codec)),
  ];
}

/**
 * Stores the documents whose (fn, fd) is not stored yet, with their items and marking codes, in ONE statement
 * (run it in the caller's transaction). Returns the keys (`documentKey(fn, fd)`) it stored. The documents must have
 * distinct keys; `nameIds` gives their item names' ids (ItemNameDictionary.idsOf, before the transaction).
 */
export async function insertDocumentBatch(trx: Transaction<Database>, docs: readonly BatchDocument[], nameIds: ItemNameIds): Promise<Set<string>> {
  if (docs.length === 0) return new Set();
  const parameters = [...batchParameters(docs, nameIds), ...rawParameters(docs)];
  const { rows } = await trx.executeQuery<{ fn: string; fd: number }>(CompiledQuery.raw(INSERT_BATCH, parameters));
  return new Set(rows.map((r) => documentKey(r.fn, r.fd)));
}

/**
 * The usual case in one statement: a drive whose FDs in the batch are contiguous and follow its last FD (or are its very
 * first) gains no gap, and none of its gaps changes (they all lie below last_fd): its range is just extended.
 * The values compared are the locked rows' latest (READ COMMITTED: a `for update` that waited returns the row as the
 * other batch left it). Deadlock-free with ofd_record_document_numbers called after it for the other drives, and with
 * concurrent batches: `locked` reads the batch's drives in fn order and is read as far as the join needs it, so the rows
 * it locks are always a prefix in fn order holding every drive extended; the function then locks the rest in fn order,
 * all of them beyond that prefix (or in it, held already). Keep nothing that locks fiscal_drives between the two.
 */
const EXTEND_CONTIGUOUS = `
  with batch as (
    select fn collate "C" as fn, min(fd) as lo, max(fd) as hi, count(distinct fd) as n
    from unnest($1::text[], $2::bigint[]) as t(fn, fd) group by 1
  ), locked as (
    select f.fn, f.first_fd, f.last_fd from fiscal_drives f join batch b on b.fn = f.fn order by f.fn for update of f
  ), extendable as (
    select l.fn, b.lo, b.hi from locked l join batch b on b.fn = l.fn
    where b.hi - b.lo + 1 = b.n and (l.first_fd is null or l.last_fd = b.lo - 1)
  )
  update fiscal_drives f set first_fd = coalesce(f.first_fd, e.lo), last_fd = e.hi, updated_at = now()
  from extendable e where f.fn = e.fn
  returning f.fn`;

const ENSURE_DRIVES = `insert into fiscal_drives (fn) select distinct fn collate "C" from unnest($1::text[]) as t(fn) order by 1
  on conflict (fn) do nothing`;

/**
 * Records FD numbers received (first_fd, last_fd, fd_gaps) for a whole batch. Idempotent: recording an FD again changes
 * nothing. Drives whose FDs just continue their range (the usual case: a register sends its documents in order) are
 * extended by one statement; the others go through the set-wise SQL function with its gap bookkeeping (migration
 * 0005). PostgreSQL's CPU per FD: 19 → 8 µs at 5 FDs per drive per batch, 41 → 33 µs at one, where locking and
 * updating the row itself is most of it (`npm run bench:fd-numbers`, docs/benchmarks/persist-2026-12-06-per-register-rows.md).
 */
export async function recordDocumentNumbers(trx: Transaction<Database>, keys: readonly { fn: string; fd: number }[]): Promise<void> {
  if (keys.length === 0) return;
  const fns = keys.map((k) => k.fn);
  const fds = keys.map((k) => k.fd);
  await trx.executeQuery(CompiledQuery.raw(ENSURE_DRIVES, [fns]));
  const { rows } = await trx.executeQuery<{ fn: string }>(CompiledQuery.raw(EXTEND_CONTIGUOUS, [fns, fds]));
  const extended = new Set(rows.map((r) => r.fn));
  const rest = extended.size === 0 ? keys : keys.filter((k) => !extended.has(k.fn));
  if (rest.length === 0) return;
  await trx.executeQuery(
    CompiledQuery.raw('select ofd_record_document_numbers($1::text[], $2::bigint[])', [rest.map((k) => k.fn), rest.map((k) => k.fd)]),
  );
}

const ADD_SHIFT_TOTALS = `
  insert into shifts (fn, shift_number, register_id, received_receipts, sell_total_sum, sell_return_total_sum,
    buy_total_sum, buy_return_total_sum)
  select * from json_to_recordset($1::json) as r(fn text collate "C", shift_number bigint, register_id bigint,
    received_receipts integer, sell_total_sum bigint, sell_return_total_sum bigint, buy_total_sum bigint,
    buy_return_total_sum bigint)
  order by fn, shift_number
  on conflict (fn, shift_number) do update set
    received_receipts = shifts.received_receipts + excluded.received_receipts,
    sell_total_sum = shifts.sell_total_sum + excluded.sell_total_sum,
    sell_return_total_sum = shifts.sell_return_total_sum + excluded.sell_return_total_sum,
    buy_total_sum = shifts.buy_total_sum + excluded.buy_total_sum,
    buy_return_total_sum = shifts.buy_return_total_sum + excluded.buy_return_total_sum,
    register_id = coalesce(shifts.register_id, excluded.register_id),
    updated_at = now()
`;

/** Adds receipts newly stored to their shifts' running totals: one statement, each (fn, shift) at most once. */
export async function addShiftTotals(trx: Transaction<Database>, deltas: readonly ShiftTotalsDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await trx.executeQuery(CompiledQuery.raw(ADD_SHIFT_TOTALS, [JSON.stringify(deltas)]));
}
