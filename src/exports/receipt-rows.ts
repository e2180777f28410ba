/**
 * Rows of a receipt export: the documents a `GET /documents` filter selects, read in keyset pages (the list's own query
 * and order, `listDocuments` with its `after` key), so any filter the cabinet's Чеки list has exports exactly that list,
 * and memory holds one page whatever the count. Keyset pages rather than one server-side cursor: a cursor would pin a
 * pooled connection and a transaction (and its snapshot, holding back vacuum) for the minutes a million-row download takes.
 *
 * `receipts`: one row per document; `receipt_items`: one row per item (1059), the receipt's columns repeated.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { listDocuments, newestFirst, type DocumentListQuery, type DocumentSummaryRow } from '../db/api-documents.repository.js';
import { OPERATION_NAMES, type ReportColumn, type ReportRow } from '../reports/report-query.js';
import { OPERATION_SIGN } from '../reports/reports.js';
import type { ExportTable } from '../reports/export.js';
import type { JsonInt8 } from '../db/document-batch.repository.js';
import { storedItemNames } from '../db/item-name-dictionary.js';
import { storedItems, type StoredItemsSource } from '../db/stored-items.js';
import { parseInt8 } from '../db/type-parsers.js';
import { loadRawContexts } from '../db/raw-contexts.js';

export const EXPORT_PAGE_SIZE = 2000;

export type ReceiptFilter = Omit<DocumentListQuery, 'after' | 'limit'>;

/** The receipt export's columns; `withTotals`: a totals row (not with one row per item, where sums would repeat). */
export const RECEIPT_COLUMNS = (withTotals: boolean): ReportColumn[] => [
  { key: 'dateTime', title: 'Дата и время', kind: 'text' },
  { key: 'registrationNumber', title: 'РН ККТ', kind: 'text' },
  { key: 'fn', title: 'ФН', kind: 'text' },
  { key: 'fd', title: 'ФД', kind: 'int' },
  { key: 'fiscalSign', title: 'ФПД', kind: 'int' },
  { key: 'shiftNumber', title: 'Смена', kind: 'int' },
  { key: 'operation', title: 'Признак расчёта', kind: 'text' },
  { key: 'totalSum', title: 'Сумма чека, ₽', kind: 'money', total: withTotals },
  { key: 'cash', title: 'Наличными, ₽', kind: 'money', total: withTotals },
  { key: 'card', title: 'Безналичными, ₽', kind: 'money', total: withTotals },
  { key: 'prepaid', title: 'Предоплата, ₽', kind: 'money', total: withTotals },
  { key: 'credit', title: 'Постоплата, ₽', kind: 'money', total: withTotals },
  { key: 'provision', title: 'Встречное предоставление, ₽', kind: 'money', total: withTotals },
  { key: 'userInn', title: 'ИНН', kind: 'text' },
  { key: 'fnsStatus', title: 'Статус ФНС', kind: 'text' },
];

const ITEM_COLUMNS: ReportColumn[] = [
  { key: 'itemName', title: 'Предмет расчёта', kind: 'text' },
  { key: 'price', title: 'Цена, ₽', kind: 'money' },
  { key: 'quantity', title: 'Количество', kind: 'decimal' },
  { key: 'itemSum', title: 'Сумма по предмету, ₽', kind: 'money', total: true },
];

function receiptRow(d: DocumentSummaryRow): ReportRow {
  return {
    dateTime: d.date_time,
    registrationNumber: d.kkt_reg_id,
    fn: d.fn,
    fd: d.fd,
    fiscalSign: d.fiscal_sign,
    shiftNumber: d.shift_number,
    operationType: d.operation_type,
    operation: d.operation_type === null ? null : (OPERATION_NAMES[d.operation_type] ?? String(d.operation_type)),
    totalSum: d.total_sum,
    cash: d.cash_total_sum,
    card: d.ecash_total_sum,
    prepaid: d.prepaid_sum,
    credit: d.credit_sum,
    provision: d.provision_sum,
    userInn: d.user_inn,
    fnsStatus: d.fns_status,
    registerId: d.register_id,
  };
}

/**
 * The documents of the filter, page by page. The next page is asked for while the caller writes the current one: the
 * database and the file writer work at the same time (two pages in memory at most).
 */
export async function* receiptPages(db: Kysely<Database>, filter: ReceiptFilter, pageSize = EXPORT_PAGE_SIZE): AsyncIterable<DocumentSummaryRow[]> {
  if (filter.inns !== 'all' && filter.inns.length > 1) yield* mergedPages(db, filter, filter.inns, pageSize);
  else yield* singlePages(db, filter, pageSize);
}

/**
 * Several INNs: each read by its own keyset pages (its own index range, in order, every row once) and merged in the
 * list's order. One `user_inn in (…)` query per page read and sorted every INN's range again for each page; asking each
 * page of every INN anew (listDocuments' merge) would read each row up to once per INN.
 */
async function* mergedPages(db: Kysely<Database>, filter: ReceiptFilter, inns: readonly string[], pageSize: number): AsyncIterable<DocumentSummaryRow[]> {
  // Each INN holds two pages at most (the current one and the one read ahead): smaller pages when there are many INNs.
  const perInnPage = Math.max(250, Math.ceil((2 * pageSize) / inns.length));
  const streams = inns.map((inn) => singlePages(db, { ...filter, inns: [inn] }, perInnPage)[Symbol.asyncIterator]());
  /** Per INN still going: its current page and the next row of it to hand out. */
  const heads: { stream: AsyncIterator<DocumentSummaryRow[]>; page: DocumentSummaryRow[]; at: number }[] = [];
  try {
    const firsts = await Promise.all(streams.map((stream) => stream.next()));
    firsts.forEach((r, i) => {
      if (!r.done) heads.push({ stream: streams[i]!, page: r.value, at: 0 });
    });
    let out: DocumentSummaryRow[] = [];
    while (heads.length > 0) {
      let best = 0;
      for (let i = 1; i < heads.length; i++) {
        const h = heads[i]!;
        const b = heads[best]!;
        if (newestFirst(h.page[h.at]!, b.page[b.at]!) < 0) best = i;
      }
      const head = heads[best]!;
      out.push(head.page[head.at++]!);
      if (head.at === head.page.length) {
        const next = await head.stream.next();
        if (next.done) heads.splice(best, 1);
        else {
          head.page = next.value;
          head.at = 0;
        }
      }
      if (out.length === pageSize) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  } finally {
    // A caller that stopped early: every INN's reader stops too (its read-ahead page is let go).
    await Promise.all(streams.map((stream) => stream.return?.()));
  }
}

async function* singlePages(db: Kysely<Database>, filter: ReceiptFilter, pageSize: number): AsyncIterable<DocumentSummaryRow[]> {
  const pageAfter = (after?: DocumentListQuery['after']) => listDocuments(db, { ...filter, limit: pageSize, ...(after ? { after } : {}) });
  let next: Promise<DocumentSummaryRow[]> | undefined = pageAfter();
  try {
    while (next) {
      const page: DocumentSummaryRow[] = await next;
      const last = page.at(-1);
      next = page.length === pageSize && last ? pageAfter({ receivedAt: last.received_at, fn: last.fn, fd: last.fd }) : undefined;
      if (page.length > 0) yield page;
    }
  } finally {
    // A caller that stopped early: the page asked for ahead is not awaited; its failure must not go unhandled.
    next?.catch(() => undefined);
  }
}

/** An exported item's values: money as numbers (as int8 columns read), the quantity's exact decimal. */
interface ExportItem {
  readonly name: string | null;
  readonly price: number | null;
  readonly quantity: string | null;
  readonly sum: number | null;
}

const money = (v: JsonInt8 | null): number | null => (v === null ? null : typeof v === 'number' ? v : parseInt8(v));

/**
 * The items of a page's documents, by `fn:fd`: their stored names, and price, quantity and sum decoded from each
 * document's raw container (src/db/stored-items.ts; PostgreSQL cannot read them from the TLV bytes).
 */
async function itemsOf(db: Kysely<Database>, page: readonly DocumentSummaryRow[]): Promise<Map<string, ExportItem[]>> {
  const { rows } = await sql<{ fn: string; fd: number } & StoredItemsSource>`
    select d.fn, d.fd, ${storedItemNames('d')} as item_names, d.raw_container, d.raw_codec
      from documents d
      join unnest(${page.map((d) => d.fn)}::text[], ${page.map((d) => d.fd)}::bigint[], ${page.map((d) => d.received_at)}::timestamptz[])
        as k (fn, fd, received_at) on d.fn = k.fn and d.fd = k.fd and d.received_at = k.received_at
     where (d.item_names is not null or d.item_name_ids is not null or d.item_name_id_chars is not null)`.execute(db);
  await loadRawContexts(db, rows);
  const byKey = new Map<string, ExportItem[]>();
  for (const r of rows) {
    const items = storedItems(r).map((i) => ({ name: i.name, price: money(i.price), quantity: i.quantity, sum: money(i.sum) }));
    byKey.set(`${r.fn}:${r.fd}`, items);
  }
  return byKey;
}

export interface ReceiptExportOptions {
  readonly items: boolean;
  /** Called after each page with the documents done so far. */
  readonly onProgress?: (documentsDone: number) => void | Promise<void>;
  readonly pageSize?: number;
}

/** The export as a table the csv/xlsx writers stream; totals are net (returns subtract), as in the reports. */
export function receiptExportTable(db: Kysely<Database>, filter: ReceiptFilter, o: ReceiptExportOptions): ExportTable {
  const columns = o.items ? [...RECEIPT_COLUMNS(false), ...ITEM_COLUMNS] : RECEIPT_COLUMNS(true);
  async function* rows(): AsyncIterable<ReportRow> {
    let done = 0;
    for await (const page of receiptPages(db, filter, o.pageSize)) {
      if (!o.items) {
        for (const d of page) yield receiptRow(d);
      } else {
        const items = await itemsOf(db, page);
        for (const d of page) {
          const base = receiptRow(d);
          const list = items.get(`${d.fn}:${d.fd}`) ?? [];
          if (list.length === 0) yield base;
          for (const i of list) yield { ...base, itemName: i.name, price: i.price, quantity: i.quantity, itemSum: i.sum };
        }
      }
      done += page.length;
      await o.onProgress?.(done);
    }
  }
  return {
    columns,
    rows: rows(),
    sheet: o.items ? 'Чеки с предметами расчёта' : 'Чеки',
    totalSign: (row) => OPERATION_SIGN[Number(row['operationType'])] ?? 1,
  };
}
