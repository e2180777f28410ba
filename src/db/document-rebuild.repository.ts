/**
 * Rebuilding stored documents from their raw bytes (`ofd reprocess`, after a decoder fix): the document columns,
 * receipt items and marking codes are replaced by what the current decoder derives; raw_container is never written
 * (the FNS JSON is not stored: readers derive it from raw_container, src/db/fns-json.ts). Each rebuilt document gets reprocessed_at and a 'reprocessed' event. Shift running totals are recomputed
 * from the stored documents (not incremented), so running it twice changes nothing and it also repairs them.
 */
import { CompiledQuery, sql, type Transaction } from 'kysely';
import type { Database } from './database.js';
import type { ItemNameIds } from './item-name-dictionary.js';
import { unpackRawContainer } from './raw-container.js';
import { kktRegIdSql } from './kkt-reg-id.js';
import { isPaymentSumColumn, paymentSumSql } from './payment-sums.js';
import {
  BATCH_INPUT_CTES,
  batchParameters,
  CODE_NAMES,
  DERIVED_DOCUMENT_COLUMN_NAMES,
  DOCUMENT_COLUMNS,
  ITEM_NAME_COLUMNS,
  type BatchDocument,
} from './document-batch.repository.js';
import { loadRawContexts } from './raw-contexts.js';

/** A document as a rebuild writes it: everything but the raw container, which a rebuild never touches. */
export type RebuiltDocument = Omit<BatchDocument, 'raw'>;

/** What a rebuild reads of a stored document. */
export interface StoredDocumentSource {
  fn: string;
  fd: number;
  received_at: Date;
  form: number;
  shift_number: number | null;
  raw_container: Buffer;
  flk_codes: string[];
}

export interface RebuildCursor {
  readonly fn: string;
  readonly fd: number;
}

export interface RebuildSelection {
  /** Only this fiscal drive. */
  readonly fn?: string;
  /** Only documents received at or after. */
  readonly since?: Date;
  /** Strictly after this (fn, fd), in (fn, fd) order. */
  readonly after?: RebuildCursor;
  readonly limit: number;
}

/**
 * The next `limit` stored documents in (fn, fd) order, locked (FOR UPDATE) until the transaction ends: the worker
 * never updates a stored document, so only another reprocess waits on them.
 */
export async function lockDocumentsForRebuild(trx: Transaction<Database>, s: RebuildSelection): Promise<StoredDocumentSource[]> {
  const after = s.after ?? { fn: '', fd: 0 };
  const { rows } = await sql<StoredDocumentSource & { raw_codec: number | null }>`
    select d.fn, d.fd, d.received_at, d.form, d.shift_number, d.raw_container, d.raw_codec, coalesce(d.flk_codes, '{}') as flk_codes
    from (
      select fn, fd, received_at from document_keys
      where (fn, fd) > (${after.fn}, ${after.fd}::bigint)
        ${s.fn === undefined ? sql`` : sql`and fn = ${s.fn}`}
        ${s.since === undefined ? sql`` : sql`and received_at >= ${s.since}`}
      order by fn, fd
      limit ${s.limit}
    ) k
    join documents d on d.fn = k.fn and d.fd = k.fd and d.received_at = k.received_at
    order by d.fn, d.fd
    for update of d
  `.execute(trx);
  await loadRawContexts(trx, rows);
  // The bytes as received: a rebuild decodes them (and never writes them back).
  return rows.map(({ raw_codec, ...r }) => ({ ...r, raw_container: unpackRawContainer(r.raw_container, raw_codec) }));
}

/**
 * What a rebuild compares to tell whether a document changed: every column derived from the raw bytes, its items'
 * arrays included. The FNS JSON is
 * not stored (it is derived on read, so it always follows the decoder); a document stored unrecognised has these
 * columns null, so decoding it is a change.
 */
const TEXT_COLUMNS = new Set<string>(DOCUMENT_COLUMNS.filter((c) => c.type === 'text').map((c) => c.name));
// One collation on both sides: kkt_reg_id and user_inn are "C" in the table, default in the batch arrays. Each column
// as readers read it, so that a value left null for its usual meaning (payment-sums.ts, kkt-reg-id.ts) compares equal
// to the same value spelt out, whichever side stores it so.
const derivedColumn = (alias: string, n: string): string =>
  isPaymentSumColumn(n) ? paymentSumSql(alias, n) : n === 'kkt_reg_id' ? kktRegIdSql(alias) : `${alias}.${n}`;
const DERIVED_TUPLE = (alias: string) =>
  `(${['form', ...DERIVED_DOCUMENT_COLUMN_NAMES].map((n) => `${derivedColumn(alias, n)}${TEXT_COLUMNS.has(n) ? ' collate "C"' : ''}`).join(', ')})`;

const CHANGED = '(b.derived_cols is distinct from i.derived_cols or b.item_cols is distinct from i.item_cols)';
// Items compare by their names, read the same way on both sides: a row stored before migration 0070 (names, no ids)
// whose names the decoder gives again is not a change, though the rebuild writes it anew with ids.
const ITEM_NAMES = (alias: string, names: string) => `ofd_item_names(${alias}.item_name_id_chars, ${alias}.item_name_ids, ${names})`;

/** Parameter numbers of BATCH_INPUT_CTES: documents' columns, items, codes. */
const REBUILD = `
  with ${BATCH_INPUT_CTES},
  before as (
    select d.fn, d.fd, ${DERIVED_TUPLE('d')} as derived_cols, ${ITEM_NAMES('d', 'd.item_names')} as item_cols
    from documents d join input i on d.fn = i.fn and d.fd = i.fd and d.received_at = i.received_at
  ),
  input_json as materialized (
    select i.*, ${ITEM_NAME_COLUMNS.map((n) => `a.${n}`).join(', ')}, ${DERIVED_TUPLE('i')} as derived_cols,
      ${ITEM_NAMES('a', 'null')} as item_cols
    from input i left join item_arrays a on a.fn = i.fn and a.fd = i.fd
  ),
  updated as (
    update documents d set
      form = i.form, register_id = i.register_id, outlet_id = i.outlet_id,
      ${DERIVED_DOCUMENT_COLUMN_NAMES.map((n) => `${n} = i.${n}`).join(', ')},
      ${ITEM_NAME_COLUMNS.map((n) => `${n} = i.${n}`).join(', ')}, item_names = null,
      reprocessed_at = now()
    from input_json i
    where d.fn = i.fn and d.fd = i.fd and d.received_at = i.received_at
    returning d.fn, d.fd
  ),
  item_counts as (select fn, fd, count(*) as n from items_in group by fn, fd),
  code_counts as (select fn, fd, count(*) as n from codes_in group by fn, fd),
  events as (
    insert into document_events (fn, fd, received_at, kind, detail)
    select i.fn, i.fd, i.received_at, 'reprocessed', jsonb_build_object(
      'jsonChanged', ${CHANGED}, 'items', coalesce(ic.n, 0), 'markingCodes', coalesce(cc.n, 0))
    from input_json i
    join updated u on u.fn = i.fn and u.fd = i.fd
    join before b on b.fn = i.fn and b.fd = i.fd
    left join item_counts ic on ic.fn = i.fn and ic.fd = i.fd
    left join code_counts cc on cc.fn = i.fn and cc.fd = i.fd
  )
  select b.fn, b.fd, ${CHANGED} as changed
  from before b join input_json i on i.fn = b.fn and i.fd = b.fd
`;

/** Marking codes first removed, then written again: two statements, so the inserts never meet the rows they replace. */
const DELETE_DERIVED = `
  with ${BATCH_INPUT_CTES},
  codes as (
    delete from marking_codes x using input i where x.fn = i.fn and x.fd = i.fd and x.received_at = i.received_at
  )
  select 1
`;

const INSERT_DERIVED = `
  with ${BATCH_INPUT_CTES},
  codes as (
    insert into marking_codes (fn, fd, received_at, ${CODE_NAMES})
    select * from codes_in
  )
  select 1
`;

/**
 * Replaces the derived state of stored documents by `docs` (rebuilt from their raw bytes): document columns, items,
 * marking codes; adds a 'reprocessed' event each. Returns the keys whose derived columns changed.
 * `docs[i].row.container` is not written (raw_container is never touched); the documents must have been locked with
 * lockDocumentsForRebuild in the same transaction. `nameIds`: their item names' ids (ItemNameDictionary.idsOf, resolved
 * outside this transaction); a row stored with item_names (before migration 0070) is written with ids instead.
 */
export async function rebuildDocuments(
  trx: Transaction<Database>,
  docs: readonly RebuiltDocument[],
  nameIds: ItemNameIds,
): Promise<{ fn: string; fd: number; changed: boolean }[]> {
  if (docs.length === 0) return [];
  const params = batchParameters(docs, nameIds);
  await trx.executeQuery(CompiledQuery.raw(DELETE_DERIVED, params));
  await trx.executeQuery(CompiledQuery.raw(INSERT_DERIVED, params));
  const { rows } = await trx.executeQuery<{ fn: string; fd: number; changed: boolean }>(CompiledQuery.raw(REBUILD, params));
  return rows;
}

/**
 * Locks these shifts' rows (creating missing ones), in (fn, shift) order, for the rest of the transaction. The persist
 * worker locks a batch's shifts before its rollup rows; a rebuild that takes both must take them in the same order, or
 * the two deadlock.
 */
export async function lockShifts(trx: Transaction<Database>, shifts: readonly { fn: string; shift: number | string }[]): Promise<void> {
  if (shifts.length === 0) return;
  const fns = shifts.map((s) => s.fn);
  const numbers = shifts.map((s) => String(s.shift));
  await sql`
    insert into shifts (fn, shift_number)
    select distinct fn, shift_number from unnest(${fns}::text[], ${numbers}::bigint[]) as k(fn, shift_number)
    order by 1, 2
    on conflict (fn, shift_number) do nothing
  `.execute(trx);
  await sql`
    select 1 from shifts s
    where (s.fn, s.shift_number) in (select k.fn collate "C", k.shift_number from unnest(${fns}::text[], ${numbers}::bigint[]) as k(fn, shift_number))
    order by s.fn, s.shift_number
    for update
  `.execute(trx);
}

/**
 * Sets the running totals of these shifts to what the stored receipts say (recognised receipts, forms 3, 4, 31, 41,
 * by 1054 operation type). Call it with the rows locked by lockShifts earlier in the transaction: summed by a later
 * statement than the lock, the sums see every receipt committed by a worker that held the lock before — and a worker
 * adding receipts afterwards adds them to the recomputed totals.
 */
export async function recomputeShiftTotals(trx: Transaction<Database>, shifts: readonly { fn: string; shift: number | string }[]): Promise<void> {
  if (shifts.length === 0) return;
  const fns = shifts.map((s) => s.fn);
  const numbers = shifts.map((s) => String(s.shift));
  await sql`

    update shifts s set
      received_receipts = t.receipts,
      sell_total_sum = t.sell, sell_return_total_sum = t.sell_return, buy_total_sum = t.buy, buy_return_total_sum = t.buy_return,
      updated_at = now()
    from (
      select k.fn, k.shift_number,
        count(d.fd)::integer as receipts,
        coalesce(sum(d.total_sum) filter (where d.operation_type = 1), 0) as sell,
        coalesce(sum(d.total_sum) filter (where d.operation_type = 2), 0) as sell_return,
        coalesce(sum(d.total_sum) filter (where d.operation_type = 3), 0) as buy,
        coalesce(sum(d.total_sum) filter (where d.operation_type = 4), 0) as buy_return
      from (select distinct fn collate "C" as fn, shift_number from unnest(${fns}::text[], ${numbers}::bigint[]) as u(fn, shift_number)) k
      left join documents d on d.fn = k.fn and d.shift_number = k.shift_number and d.form in (3, 4, 31, 41)
      group by k.fn, k.shift_number
    ) t
    where s.fn = t.fn and s.shift_number = t.shift_number
  `.execute(trx);
}
