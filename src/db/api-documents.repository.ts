// Documents for the cabinet API: tenant-scoped filtered lists with keyset pagination, and one document with its
// lifecycle. A customer's documents are those carrying one of its INNs (1018 userInn).
//
// Order: received_at desc, then (fn, fd) desc — received_at is the partition key, so a page of recent documents touches
// the newest partitions only; the cursor is the last row's (received_at, fn, fd).
import { DOC_UNRECOGNISED } from '../domain/unrecognised-document.js';
import { readStoredCopy } from './stored-copy.js';
import { findCrptCodeStatuses, type CrptCodeStatusRow } from './crpt-status.repository.js';
import { findWrittenAck } from './document-acks.repository.js';
import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from './database.js';
import { findFnsStatusShown, fnsStatusShown, fnsStatusShownIs } from './fns-status-view.js';
import { itemNameMatches, withItemNameMatcher, type ItemNameMatcher } from './item-name-dictionary.js';
import type { DocumentEvent, DocumentRow } from './tables/documents.js';
import { fnsErrorsOf, isFnsAnswered, type FnsStatusRow } from './tables/fns-status.js';
import { flkCodesOf, flkStatusIs, flkStatusOf, signStatusOf } from './document-outcome.js';
import { PAYMENT_SUM_COLUMNS, paymentSum } from './payment-sums.js';
import { kktRegIdOf } from './kkt-reg-id.js';
import { loadRawContexts } from './raw-contexts.js';

type Db = Kysely<Database>;

export interface DocumentListQuery {
  /** 'all' (operator) or the INNs whose documents the caller may read. */
  inns: 'all' | readonly string[];
  /** A membership limited to outlets or registers (auth/access-scope.ts): rows outside it are left out. */
  placeLimit?: RawBuilder<boolean> | undefined;
  registerId?: number | undefined;
  fn?: string | undefined;
  outletId?: number | undefined;
  /** Document time (1012, local wall clock), inclusive bounds. */
  dateFrom?: string | undefined;
  dateTo?: string | undefined;
  /** Arrival time, [from, to). */
  receivedFrom?: Date | undefined;
  receivedTo?: Date | undefined;
  form?: number | undefined;
  operationType?: number | undefined;
  /** 1055 appliedTaxationType. */
  taxationType?: number | undefined;
  amountMin?: number | undefined;
  amountMax?: number | undefined;
  /** Paid at least partly this way (1031 cash, 1081 ecash, 1215 prepaid, 1216 credit, 1217 provision). */
  payment?: DocumentPayment | undefined;
  fiscalSign?: number | undefined;
  fd?: number | undefined;
  flkStatus?: 'passed' | 'failed' | undefined;
  /** FNS delivery status; 'not_sent' for documents with no FNS status yet. */
  fnsStatus?: string | undefined;
  /** Case-insensitive substring of an item name (1030). */
  item?: string | undefined;
  /** Exact marking code, or a GTIN (14 digits). */
  marking?: string | undefined;
  /** Only documents with (true) / without (false) marked items. */
  hasMarking?: boolean | undefined;
  after?: { receivedAt: Date; fn: string; fd: number } | undefined;
  limit: number;
}

export const DOCUMENT_PAYMENTS = ['cash', 'ecash', 'prepaid', 'credit', 'provision'] as const;
export type DocumentPayment = (typeof DOCUMENT_PAYMENTS)[number];
const PAYMENT_COLUMNS = {
  cash: 'documents.cash_total_sum',
  ecash: 'documents.ecash_total_sum',
  prepaid: 'documents.prepaid_sum',
  credit: 'documents.credit_sum',
  provision: 'documents.provision_sum',
} as const satisfies Record<DocumentPayment, string>;

/** The columns a documents list shows (not the raw bytes, nor the columns kept for filters and rollups only). */
export type DocumentSummaryRow = Omit<DocumentRow, 'raw_container' | 'raw_codec' | 'crypto' | 'taxation_type' | 'buyer_contact' | `nds${string}` | `item_${string}`> & { fns_status: string | null };

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Rows of `table` that belong to the outer `documents` row (same key, same partition). */
const sameDocument = (table: 'receipt_items' | 'marking_codes') =>
  sql<SqlBool>`${sql.ref(`${table}.fn`)} = documents.fn and ${sql.ref(`${table}.fd`)} = documents.fd and ${sql.ref(`${table}.received_at`)} = documents.received_at`;

/**
 * The documents and their FNS status, narrowed by the list's filters (shared by the list, its count and the exports).
 * `withFnsStatus: false` (the count) leaves the FNS status out unless the FNS status filter needs it: PostgreSQL dropped
 * those left joins by itself while fns_status was a table with a unique key, but cannot prove the view fns_outcomes
 * unique (migration 0080), and would probe three tables per document counted.
 */
function filteredDocuments(db: Db, q: Omit<DocumentListQuery, 'limit'>, items: ItemNameMatcher | undefined, withFnsStatus = true) {
  const withStatus = db
    .selectFrom('documents')
    .leftJoin('fns_outcomes as fns_status', (join) => join.onRef('fns_status.fn', '=', 'documents.fn').onRef('fns_status.fd', '=', 'documents.fd'))
    .leftJoin('fns_leases', (join) => join.onRef('fns_leases.fn', '=', 'documents.fn').onRef('fns_leases.fd', '=', 'documents.fd'));
  // Without the joins, nothing below names fns_status or fns_leases (only the FNS status filter does, and it keeps them).
  let query = withFnsStatus || q.fnsStatus !== undefined ? withStatus : (db.selectFrom('documents') as unknown as typeof withStatus);
  if (q.inns !== 'all') query = query.where('documents.user_inn', 'in', [...q.inns]);
  if (q.placeLimit) query = query.where(q.placeLimit);
  if (q.registerId !== undefined) query = query.where('documents.register_id', '=', q.registerId);
  if (q.fn !== undefined) query = query.where('documents.fn', '=', q.fn);
  if (q.outletId !== undefined) query = query.where('documents.outlet_id', '=', q.outletId);
  if (q.dateFrom !== undefined) query = query.where('documents.date_time', '>=', q.dateFrom);
  if (q.dateTo !== undefined) query = query.where('documents.date_time', '<=', q.dateTo);
  if (q.receivedFrom !== undefined) query = query.where('documents.received_at', '>=', q.receivedFrom);
  if (q.receivedTo !== undefined) query = query.where('documents.received_at', '<', q.receivedTo);
  if (q.form !== undefined) query = query.where('documents.form', '=', q.form);
  if (q.operationType !== undefined) query = query.where('documents.operation_type', '=', q.operationType);
  if (q.taxationType !== undefined) {
    query = query.where('documents.taxation_type', '=', q.taxationType);
  }
  if (q.amountMin !== undefined) query = query.where('documents.total_sum', '>=', q.amountMin);
  if (q.amountMax !== undefined) query = query.where('documents.total_sum', '<=', q.amountMax);
  if (q.payment !== undefined) query = query.where(PAYMENT_COLUMNS[q.payment], '>', 0);
  if (q.fiscalSign !== undefined) query = query.where('documents.fiscal_sign', '=', q.fiscalSign);
  if (q.fd !== undefined) query = query.where('documents.fd', '=', q.fd);
  if (q.flkStatus !== undefined) query = query.where(flkStatusIs(q.flkStatus));
  if (q.fnsStatus !== undefined) {
    query = query.where(fnsStatusShownIs(q.fnsStatus as FnsStatusRow['status'] | 'not_sent'));
  }
  if (q.item !== undefined) {
    if (items === undefined) throw new Error('filteredDocuments: the item filter needs its matcher (withItemFilter)');
    query = query.where(itemNameMatches('documents', items));
  }
  if (q.marking !== undefined) {
    const m = q.marking;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('marking_codes')
          .select(sql`1`.as('x'))
          .where((e) => e.and([sameDocument('marking_codes'), /^\d{14}$/.test(m) ? e('marking_codes.gtin', '=', m) : e('marking_codes.code', '=', m)])),
      ),
    );
  }
  if (q.hasMarking !== undefined) {
    const has = q.hasMarking;
    query = query.where((eb) => {
      const e: Expression<SqlBool> = eb.exists(eb.selectFrom('marking_codes').select(sql`1`.as('x')).where(sameDocument('marking_codes')));
      return has ? e : eb.not(e);
    });
  }
  if (q.after !== undefined) {
    const a = q.after;
    query = query.where((eb) => eb(eb.refTuple('documents.received_at', 'documents.fn', 'documents.fd'), '<', eb.tuple(a.receivedAt, a.fn, a.fd)));
  }
  return query;
}

/**
 * The ack written to the register (migration 0078): the document's `document_keys` columns, else its row of
 * `document_acks` (recorded before 0078, or a report that raced the document's persist batch). Null when none is known.
 */
function writtenAckColumn(column: 'acked_at' | 'ack_code') {
  return sql`coalesce(
    (select k.${sql.ref(column)} from document_keys k where k.fn = documents.fn and k.fd = documents.fd),
    (select a.${sql.ref(column)} from document_acks a where a.fn = documents.fn::bigint and a.fd = documents.fd))`;
}

/**
 * A list over several INNs is asked one INN at a time and merged: each INN's newest `limit` rows come off its own
 * (user_inn, received_at) index range already in order, where one `user_inn in (…)` query reads every INN's whole range
 * and sorts it — per page, which made a 100 000-row export of two organizations take 10 s. Up to this many INNs; a
 * caller with more (the operator scoped by a long list) keeps the single query.
 */
const MERGE_INNS_UP_TO = 32;

export async function listDocuments(db: Db, q: DocumentListQuery): Promise<DocumentSummaryRow[]> {
  if (q.inns !== 'all' && q.inns.length === 0) return [];
  if (q.inns !== 'all' && q.inns.length > 1 && q.inns.length <= MERGE_INNS_UP_TO) {
    const perInn = await Promise.all(q.inns.map((inn) => listDocumentsQuery(db, { ...q, inns: [inn] })));
    return perInn.flat().sort(newestFirst).slice(0, q.limit);
  }
  return listDocumentsQuery(db, q);
}

/** The list's order: received_at, then fn (16 digits: text order is numeric order), then fd, all descending. */
export function newestFirst(a: DocumentSummaryRow, b: DocumentSummaryRow): number {
  return b.received_at.getTime() - a.received_at.getTime() || (a.fn < b.fn ? 1 : a.fn > b.fn ? -1 : 0) || Number(b.fd) - Number(a.fd);
}

/** Runs `query` with the item filter's matcher, if the list has one (withItemNameMatcher); else as it is. */
async function withItemFilter<T>(db: Db, q: Pick<DocumentListQuery, 'item' | 'inns'>, query: (db: Db, items: ItemNameMatcher | undefined) => Promise<T>): Promise<T> {
  return q.item === undefined ? query(db, undefined) : withItemNameMatcher(db, `%${escapeLike(q.item)}%`, q.inns, query);
}

async function listDocumentsQuery(db: Db, q: DocumentListQuery): Promise<DocumentSummaryRow[]> {
  return withItemFilter(db, q, (db, items) => listedDocuments(db, q, items));
}

function listedDocuments(db: Db, q: DocumentListQuery, items: ItemNameMatcher | undefined): Promise<DocumentSummaryRow[]> {
  return filteredDocuments(db, q, items)
    .select([
      'documents.fn',
      'documents.fd',
      'documents.received_at',
      'documents.form',
      'documents.ffd_version',
      'documents.date_time',
      kktRegIdOf('documents').as('kkt_reg_id'),
      'documents.user_inn',
      'documents.register_id',
      'documents.outlet_id',
      'documents.shift_number',
      'documents.request_number',
      'documents.operation_type',
      'documents.total_sum',
      ...PAYMENT_SUM_COLUMNS.map((c) => paymentSum('documents', c).as(c)),
      'documents.fiscal_sign',
      'documents.message_fiscal_sign',
      'documents.sign_status',
      'documents.flk_status',
      'documents.flk_codes',
      // The ack as written to the register (issue 13): null when none is known.
      writtenAckColumn('ack_code').$castTo<number | null>().as('ack_code'),
      writtenAckColumn('acked_at').$castTo<Date | null>().as('acked_at'),
      'documents.persisted_at',
      'documents.reprocessed_at',
      fnsStatusShown.as('fns_status'),
    ])
    .orderBy('documents.received_at', 'desc')
    .orderBy('documents.fn', 'desc')
    .orderBy('documents.fd', 'desc')
    .limit(q.limit)
    .execute();
}

/** How many documents the filter selects (an export's progress denominator). */
export async function countDocuments(db: Db, q: Omit<DocumentListQuery, 'limit' | 'after'>): Promise<number> {
  if (q.inns !== 'all' && q.inns.length === 0) return 0;
  const r = await withItemFilter(db, q, (db, items) => filteredDocuments(db, q, items, false).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow());
  return r.n;
}

export interface StoredDocument {
  row: DocumentRow;
  events: DocumentEvent[];
  fns: FnsStatusRow | undefined;
  /** Each marking code's CRPT stage (checked → delivered → crpt_answered), in item order. */
  marking: CrptCodeStatusRow[];
}

/**
 * The stored row of (fn, fd): document_keys names its partition, so the read touches one partition. The one read of
 * a document's row for every reader (the API reads it once per request: the tenant check, then the view).
 */
export async function findStoredDocument(db: Db, fn: string, fd: number): Promise<DocumentRow | undefined> {
  const row = await readStoredCopy(db, fn, fd, undefined, (at) =>
    db.selectFrom('documents').selectAll().where('fn', '=', fn).where('fd', '=', fd).where('received_at', '=', at).executeTakeFirst(),
  );
  // Its readers unpack raw_container (the view, FNS JSON, the receipt page): the drive's context, once per process.
  if (row) await loadRawContexts(db, [row]);
  return row;
}

/** The lifecycle of a stored row — events, FNS outcome, marking stages, the written ack — read in parallel. */
export async function documentLifecycle(db: Db, row: DocumentRow): Promise<StoredDocument> {
  const { fn, fd } = row;
  const [written, fns, marking, ack] = await Promise.all([
    db
      .selectFrom('document_events')
      .selectAll()
      .where('fn', '=', fn)
      .where('fd', '=', fd)
      .where('received_at', '=', row.received_at)
      .orderBy('at')
      .orderBy('id')
      .execute(),
    findFnsStatusShown(db, fn, Number(fd)),
    findCrptCodeStatuses(db, fn, fd),
    findWrittenAck(db, fn, fd),
  ]);
  // The ack as written to the register (document_keys, else document_acks), not the documents columns: null when none is known.
  return { row: { ...row, acked_at: ack?.ackedAt ?? null, ack_code: ack?.ackCode ?? null }, events: withRowEvents(row, written, fns), fns, marking };
}

/** One document with its lifecycle (findStoredDocument, then documentLifecycle). */
export async function findDocumentWithLifecycle(db: Db, fn: string, fd: number): Promise<StoredDocument | undefined> {
  const row = await findStoredDocument(db, fn, fd);
  return row === undefined ? undefined : documentLifecycle(db, row);
}

/**
 * The 'received' and 'persisted' events of a document, composed from its row: the persist worker stopped writing them
 * (migration 0053: they said nothing the row does not). A row stored before that keeps its written ones. `id` 0: they
 * sort before any written event of the same instant.
 */
export function rowLifecycleEvents(row: DocumentRow): DocumentEvent[] {
  const key = { fn: row.fn, fd: row.fd, received_at: row.received_at };
  return [
    {
      ...key,
      id: 0,
      at: row.received_at,
      kind: 'received',
      detail: {
        ...(row.crypto === null ? {} : { crypto: row.crypto }),
        signStatus: signStatusOf(row.sign_status),
        flk: { ok: flkStatusOf(row.flk_status) === 'passed', codes: flkCodesOf(row.flk_codes) },
      },
    },
    { ...key, id: 0, at: row.persisted_at, kind: 'persisted', detail: { form: row.form, derived: !flkCodesOf(row.flk_codes).includes(DOC_UNRECOGNISED) } },
  ];
}

/**
 * The 'fns_answered' event of a document, composed from its FNS status row: the fns worker stopped writing it
 * (migration 0064). Empty while unanswered.
 */
export function fnsAnsweredEvents(row: DocumentRow, fns: FnsStatusRow | undefined): DocumentEvent[] {
  if (!fns?.answered_at || !isFnsAnswered(fns.status)) return [];
  const detail = { status: fns.status, errors: fnsErrorsOf(fns).map((e) => ({ ...e })), duplicate: fns.duplicate ?? false };
  return [{ fn: row.fn, fd: row.fd, received_at: row.received_at, id: 0, at: fns.answered_at, kind: 'fns_answered', detail }];
}

/**
 * The written events and, where not written (rows stored since migrations 0053 and 0064), those composed from the
 * documents row and the FNS status row, oldest first.
 */
function withRowEvents(row: DocumentRow, written: DocumentEvent[], fns: FnsStatusRow | undefined): DocumentEvent[] {
  const composed = [
    ...(written.some((e) => e.kind === 'received') ? [] : rowLifecycleEvents(row)),
    ...(written.some((e) => e.kind === 'fns_answered') ? [] : fnsAnsweredEvents(row, fns)),
  ];
  if (composed.length === 0) return written;
  return [...composed, ...written].sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
}

/** Only the owner INN of a stored document (for tenant checks before reading more). */
export async function documentOwnerInn(db: Db, fn: string, fd: number): Promise<{ inn: string | null; registerId: number | null } | undefined> {
  const row = await readStoredCopy(db, fn, fd, undefined, (at) =>
    db.selectFrom('documents').select(['user_inn', 'register_id']).where('fn', '=', fn).where('fd', '=', fd).where('received_at', '=', at).executeTakeFirst(),
  );
  return row ? { inn: row.user_inn, registerId: row.register_id } : undefined;
}
