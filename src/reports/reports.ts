/**
 * The reports of `GET /api/v1/reports/{name}`: each one is a list of columns (with Russian titles for the exports) and an
 * async stream of rows. Money is integer kopecks in the rows; the exporters turn it into rubles.
 *
 * Sources: the rollups (src/reports/rollups.ts) for everything about receipts; `shifts` for shifts and Z-reports;
 * `fiscal_drives` and `fd_gaps` for the FN forecast and the unsent documents, `ofd_services` for the end of the OFD
 * service. No report scans `documents`.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/database.js';
import { ofdServiceDaysLeft } from '../domain/ofd-service.js';

export const REPORT_NAMES = [
  'z-report',
  'shifts',
  'payment-types',
  'tax-systems',
  'vat',
  'outlets',
  'hours',
  'abc-xyz',
  'fn-schedule',
  'unsent',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

export type ColumnKind = 'money' | 'int' | 'text' | 'decimal';
export interface ReportColumn {
  readonly key: string;
  /** Header of the exports. */
  readonly title: string;
  readonly kind: ColumnKind;
  /** Summed in the totals row. */
  readonly total?: boolean;
}
export type Cell = string | number | boolean | null;
export type ReportRow = Record<string, Cell>;

export interface ReportFilter {
  /** 'all' (operator) or the organization ids the caller may read. */
  readonly scope: 'all' | readonly number[];
  readonly organizationId?: number | undefined;
  readonly outletId?: number | undefined;
  readonly registerId?: number | undefined;
  /** Local days, `YYYY-MM-DD`, both inclusive. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export interface ReportResult {
  readonly name: ReportName;
  readonly columns: readonly ReportColumn[];
  readonly rows: AsyncIterable<ReportRow>;
  /** Extra JSON-only data (the ABC × XYZ matrix). */
  readonly extra?: () => Record<string, unknown>;
}

type Db = Kysely<Database>;

// ---- filters ------------------------------------------------------------------------------------------------------

function scopeClause(col: string, f: ReportFilter): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  if (f.scope !== 'all') parts.push(f.scope.length === 0 ? sql`false` : sql`${sql.ref(col)} = any(${[...f.scope]}::bigint[])`);
  if (f.organizationId !== undefined) parts.push(sql`${sql.ref(col)} = ${f.organizationId}`);
  return parts.length === 0 ? sql`true` : sql.join(parts, sql` and `);
}

function placeClause(outletCol: string, registerCol: string, f: ReportFilter): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`true`];
  if (f.outletId !== undefined) parts.push(sql`${sql.ref(outletCol)} = ${f.outletId}`);
  if (f.registerId !== undefined) parts.push(sql`${sql.ref(registerCol)} = ${f.registerId}`);
  return sql.join(parts, sql` and `);
}

/** Rollup rows of the filter: t is report_rollup_daily (day) or report_rollup_hourly (hour). */
function rollupWhere(f: ReportFilter, bucket: 'day' | 'hour'): RawBuilder<unknown> {
  const parts = [scopeClause('r.organization_id', f), placeClause('r.outlet_id', 'r.register_id', f)];
  if (f.from !== undefined) parts.push(sql`${sql.ref(`r.${bucket}`)} >= ${f.from}::date`);
  if (f.to !== undefined) parts.push(sql`${sql.ref(`r.${bucket}`)} < ${f.to}::date + 1`);
  return sql.join(parts, sql` and `);
}

/** Local-time column within the period (both ends inclusive days). */
function periodClause(col: string, f: ReportFilter): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`true`];
  if (f.from !== undefined) parts.push(sql`${sql.ref(col)} >= ${f.from}::date`);
  if (f.to !== undefined) parts.push(sql`${sql.ref(col)} < ${f.to}::date + 1`);
  return sql.join(parts, sql` and `);
}

async function* fromArray(rows: readonly ReportRow[]): AsyncIterable<ReportRow> {
  for (const r of rows) yield r;
}

async function query(db: Db, q: RawBuilder<unknown>): Promise<ReportRow[]> {
  return (await q.execute(db)).rows as ReportRow[];
}

// ---- names --------------------------------------------------------------------------------------------------------

export const OPERATION_NAMES: Readonly<Record<number, string>> = { 1: 'Приход', 2: 'Возврат прихода', 3: 'Расход', 4: 'Возврат расхода' };
export const TAXATION_NAMES: Readonly<Record<number, string>> = {
  1: 'ОСН',
  2: 'УСН доход',
  4: 'УСН доход − расход',
  8: 'ЕНВД',
  16: 'ЕСХН',
  32: 'ПСН',
};
const WEEKDAYS = ['', 'Понедельник', 'Вторник', 'Среда', 'Четверг', 'Пятница', 'Суббота', 'Воскресенье'];

/** Assumed document capacity of an FN when forecasting its fill (the FFD does not report it). */
export const FN_DOCUMENT_CAPACITY = 250_000;
/** Assumed validity when ops did not record the model's (fiscal_drives.validity_months). */
export const FN_DEFAULT_VALIDITY_MONTHS = 15;

const sumsOf = (cols: readonly string[]) => sql.raw(cols.map((c) => `sum(${c})::bigint as ${c}`).join(', '));

// ---- the reports --------------------------------------------------------------------------------------------------

type Runner = (db: Db, f: ReportFilter) => Promise<ReportResult>;

const paymentTypes: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select to_char(r.day, 'YYYY-MM-DD') as day, r.operation_type as "operationType", sum(r.receipts)::bigint as receipts,
          ${sumsOf(['total_sum', 'cash_sum', 'ecash_sum', 'prepaid_sum', 'credit_sum', 'provision_sum'])}
        from report_rollup_daily r where ${rollupWhere(f, 'day')}
        group by 1, 2 order by 1, 2`,
  );
  return {
    name: 'payment-types',
    columns: [
      { key: 'day', title: 'Дата', kind: 'text' },
      { key: 'operation', title: 'Признак расчёта', kind: 'text' },
      { key: 'receipts', title: 'Чеков', kind: 'int', total: true },
      { key: 'totalSum', title: 'Итого, ₽', kind: 'money', total: true },
      { key: 'cash', title: 'Наличными, ₽', kind: 'money', total: true },
      { key: 'card', title: 'Безналичными, ₽', kind: 'money', total: true },
      { key: 'prepaid', title: 'Предоплата (аванс), ₽', kind: 'money', total: true },
      { key: 'credit', title: 'Постоплата (кредит), ₽', kind: 'money', total: true },
      { key: 'provision', title: 'Встречное предоставление, ₽', kind: 'money', total: true },
    ],
    rows: fromArray(
      rows.map((r) => ({
        day: r.day!,
        operationType: r.operationType!,
        operation: OPERATION_NAMES[Number(r.operationType)] ?? String(r.operationType),
        receipts: r.receipts!,
        totalSum: r.total_sum!,
        cash: r.cash_sum!,
        card: r.ecash_sum!,
        prepaid: r.prepaid_sum!,
        credit: r.credit_sum!,
        provision: r.provision_sum!,
      })),
    ),
  };
};

const taxSystems: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select r.taxation_type, r.operation_type, sum(r.receipts)::bigint as receipts, sum(r.total_sum)::bigint as total_sum
        from report_rollup_daily r where ${rollupWhere(f, 'day')} group by 1, 2 order by 1, 2`,
  );
  return {
    name: 'tax-systems',
    columns: [
      { key: 'taxationName', title: 'Система налогообложения', kind: 'text' },
      { key: 'operation', title: 'Признак расчёта', kind: 'text' },
      { key: 'receipts', title: 'Чеков', kind: 'int', total: true },
      { key: 'totalSum', title: 'Сумма, ₽', kind: 'money', total: true },
    ],
    rows: fromArray(
      rows.map((r) => ({
        taxationType: r.taxation_type!,
        taxationName: TAXATION_NAMES[Number(r.taxation_type)] ?? 'Не указана',
        operationType: r.operation_type!,
        operation: OPERATION_NAMES[Number(r.operation_type)] ?? String(r.operation_type),
        receipts: r.receipts!,
        totalSum: r.total_sum!,
      })),
    ),
  };
};

const vat: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select r.operation_type, sum(r.receipts)::bigint as receipts,
          ${sumsOf(['total_sum', 'nds20_sum', 'nds10_sum', 'nds20_120_sum', 'nds10_110_sum', 'nds0_base', 'nds_no_base'])}
        from report_rollup_daily r where ${rollupWhere(f, 'day')} group by 1 order by 1`,
  );
  return {
    name: 'vat',
    columns: [
      { key: 'operation', title: 'Признак расчёта', kind: 'text' },
      { key: 'receipts', title: 'Чеков', kind: 'int', total: true },
      { key: 'totalSum', title: 'Сумма расчётов, ₽', kind: 'money', total: true },
      { key: 'vat20', title: 'НДС 20%, ₽', kind: 'money', total: true },
      { key: 'vat10', title: 'НДС 10%, ₽', kind: 'money', total: true },
      { key: 'vat20_120', title: 'НДС 20/120, ₽', kind: 'money', total: true },
      { key: 'vat10_110', title: 'НДС 10/110, ₽', kind: 'money', total: true },
      { key: 'vat0Base', title: 'Сумма с НДС 0%, ₽', kind: 'money', total: true },
      { key: 'noVatBase', title: 'Сумма без НДС, ₽', kind: 'money', total: true },
    ],
    rows: fromArray(
      rows.map((r) => ({
        operationType: r.operation_type!,
        operation: OPERATION_NAMES[Number(r.operation_type)] ?? String(r.operation_type),
        receipts: r.receipts!,
        totalSum: r.total_sum!,
        vat20: r.nds20_sum!,
        vat10: r.nds10_sum!,
        vat20_120: r.nds20_120_sum!,
        vat10_110: r.nds10_110_sum!,
        vat0Base: r.nds0_base!,
        noVatBase: r.nds_no_base!,
      })),
    ),
  };
};

const outlets: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select r.organization_id, r.outlet_id, r.register_id, o.address, o.place, g.registration_number,
          sum(r.receipts) filter (where r.operation_type = 1)::bigint as sell_receipts,
          coalesce(sum(r.total_sum) filter (where r.operation_type = 1), 0)::bigint as sell_sum,
          sum(r.receipts) filter (where r.operation_type = 2)::bigint as return_receipts,
          coalesce(sum(r.total_sum) filter (where r.operation_type = 2), 0)::bigint as return_sum
        from report_rollup_daily r
        left join outlets o on o.id = r.outlet_id
        left join registers g on g.id = r.register_id
        where ${rollupWhere(f, 'day')}
        group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3`,
  );
  return {
    name: 'outlets',
    columns: [
      { key: 'outletId', title: 'Точка (id)', kind: 'int' },
      { key: 'address', title: 'Адрес', kind: 'text' },
      { key: 'place', title: 'Место расчётов', kind: 'text' },
      { key: 'registrationNumber', title: 'РН ККТ', kind: 'text' },
      { key: 'sellReceipts', title: 'Чеков прихода', kind: 'int', total: true },
      { key: 'sellSum', title: 'Приход, ₽', kind: 'money', total: true },
      { key: 'returnReceipts', title: 'Чеков возврата', kind: 'int', total: true },
      { key: 'returnSum', title: 'Возвраты, ₽', kind: 'money', total: true },
      { key: 'revenue', title: 'Выручка, ₽', kind: 'money', total: true },
      { key: 'averageCheck', title: 'Средний чек, ₽', kind: 'money' },
    ],
    rows: fromArray(
      rows.map((r) => {
        const sellReceipts = Number(r.sell_receipts ?? 0);
        const sellSum = Number(r.sell_sum);
        return {
          organizationId: r.organization_id!,
          outletId: r.outlet_id!,
          registerId: r.register_id!,
          address: r.address ?? null,
          place: r.place ?? null,
          registrationNumber: r.registration_number ?? null,
          sellReceipts,
          sellSum,
          returnReceipts: Number(r.return_receipts ?? 0),
          returnSum: Number(r.return_sum),
          revenue: sellSum - Number(r.return_sum),
          averageCheck: sellReceipts === 0 ? 0 : Math.round(sellSum / sellReceipts),
        };
      }),
    ),
  };
};

const hours: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select extract(isodow from r.hour)::int as weekday, extract(hour from r.hour)::int as hour,
          coalesce(sum(r.receipts) filter (where r.operation_type = 1), 0)::bigint as sell_receipts,
          (coalesce(sum(r.total_sum) filter (where r.operation_type = 1), 0)
            - coalesce(sum(r.total_sum) filter (where r.operation_type = 2), 0))::bigint as revenue
        from report_rollup_hourly r where ${rollupWhere(f, 'hour')} group by 1, 2 order by 1, 2`,
  );
  return {
    name: 'hours',
    columns: [
      { key: 'weekdayName', title: 'День недели', kind: 'text' },
      { key: 'hour', title: 'Час', kind: 'int' },
      { key: 'sellReceipts', title: 'Чеков прихода', kind: 'int', total: true },
      { key: 'revenue', title: 'Выручка, ₽', kind: 'money', total: true },
    ],
    rows: fromArray(
      rows.map((r) => ({
        weekday: r.weekday!,
        weekdayName: WEEKDAYS[Number(r.weekday)] ?? '',
        hour: r.hour!,
        sellReceipts: r.sell_receipts!,
        revenue: r.revenue!,
      })),
    ),
  };
};

/** Shifts in pages by (fn, shift_number): the list can be long (100 000+), memory stays flat. */
async function* shiftPages(db: Db, f: ReportFilter, closedOnly: boolean): AsyncIterable<ReportRow> {
  const PAGE = 2000;
  let after: [string, number] | undefined;
  for (;;) {
    const rows = await query(
      db,
      sql`select s.fn, s.shift_number, g.registration_number, ro.organization_id, g.outlet_id, s.register_id,
            s.opened_at, s.closed_at, s.open_fd, s.close_fd,
            extract(epoch from (s.closed_at - s.opened_at))::bigint as duration_s,
            s.receipts_quantity, s.documents_quantity, s.not_transmitted_count, s.closing_counters,
            s.received_receipts, s.sell_total_sum, s.sell_return_total_sum, s.buy_total_sum, s.buy_return_total_sum
          from shifts s join registers g on g.id = s.register_id left join register_document_owners ro on ro.register_id = g.id
          where ${scopeClause('ro.organization_id', f)} and ${placeClause('g.outlet_id', 's.register_id', f)}
            and ${periodClause('s.opened_at', f)} ${closedOnly ? sql`and s.close_fd is not null` : sql``}
            ${after ? sql`and (s.fn, s.shift_number) > (${after[0]}, ${after[1]})` : sql``}
          order by s.fn, s.shift_number limit ${PAGE}`,
    );
    for (const r of rows) yield r;
    const last = rows.at(-1);
    if (rows.length < PAGE || !last) return;
    after = [String(last.fn), Number(last.shift_number)];
  }
}

const shifts: Runner = async (db, f) => ({
  name: 'shifts',
  columns: [
    { key: 'registrationNumber', title: 'РН ККТ', kind: 'text' },
    { key: 'fn', title: 'ФН', kind: 'text' },
    { key: 'shiftNumber', title: 'Смена', kind: 'int' },
    { key: 'openedAt', title: 'Открыта', kind: 'text' },
    { key: 'closedAt', title: 'Закрыта', kind: 'text' },
    { key: 'durationMinutes', title: 'Длительность, мин', kind: 'int' },
    { key: 'receipts', title: 'Чеков', kind: 'int', total: true },
    { key: 'sellSum', title: 'Приход, ₽', kind: 'money', total: true },
    { key: 'returnSum', title: 'Возвраты прихода, ₽', kind: 'money', total: true },
    { key: 'revenue', title: 'Выручка, ₽', kind: 'money', total: true },
  ],
  rows: (async function* () {
    for await (const r of shiftPages(db, f, false)) {
      yield {
        registrationNumber: r.registration_number ?? null,
        fn: r.fn!,
        shiftNumber: r.shift_number!,
        registerId: r.register_id ?? null,
        openedAt: r.opened_at ?? null,
        closedAt: r.closed_at ?? null,
        durationMinutes: r.duration_s === null ? null : Math.floor(Number(r.duration_s) / 60),
        receipts: r.received_receipts!,
        sellSum: r.sell_total_sum!,
        returnSum: r.sell_return_total_sum!,
        revenue: Number(r.sell_total_sum) - Number(r.sell_return_total_sum),
      };
    }
  })(),
});

/** A closing-report counter (1194 shiftSumReports) by FNS JSON path, or null. */
function counter(counters: unknown, ...path: string[]): number | null {
  let v: unknown = counters;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[p];
  }
  return typeof v === 'number' ? v : null;
}

const zReport: Runner = async (db, f) => ({
  name: 'z-report',
  columns: [
    { key: 'registrationNumber', title: 'РН ККТ', kind: 'text' },
    { key: 'fn', title: 'ФН', kind: 'text' },
    { key: 'shiftNumber', title: 'Смена', kind: 'int' },
    { key: 'closedAt', title: 'Закрыта', kind: 'text' },
    { key: 'reportReceipts', title: 'Чеков по отчёту', kind: 'int', total: true },
    { key: 'receivedReceipts', title: 'Чеков получено', kind: 'int', total: true },
    { key: 'missingReceipts', title: 'Не получено', kind: 'int', total: true },
    { key: 'reportSellSum', title: 'Приход по отчёту, ₽', kind: 'money', total: true },
    { key: 'sellSum', title: 'Приход по чекам, ₽', kind: 'money', total: true },
    { key: 'sellReturnSum', title: 'Возврат прихода по чекам, ₽', kind: 'money', total: true },
    { key: 'buySum', title: 'Расход по чекам, ₽', kind: 'money', total: true },
    { key: 'buyReturnSum', title: 'Возврат расхода по чекам, ₽', kind: 'money', total: true },
    { key: 'matches', title: 'Сходится', kind: 'text' },
  ],
  rows: (async function* () {
    for await (const r of shiftPages(db, f, true)) {
      const reportReceipts = r.receipts_quantity === null ? null : Number(r.receipts_quantity);
      const received = Number(r.received_receipts);
      const reportSell = counter(r.closing_counters, 'shiftSumReports', 'sellOper', 'totalSum');
      const sellSum = Number(r.sell_total_sum);
      const matches = (reportReceipts === null || reportReceipts === received) && (reportSell === null || reportSell === sellSum);
      yield {
        registrationNumber: r.registration_number ?? null,
        fn: r.fn!,
        shiftNumber: r.shift_number!,
        closedAt: r.closed_at ?? null,
        closeFd: r.close_fd ?? null,
        reportReceipts,
        receivedReceipts: received,
        missingReceipts: reportReceipts === null ? null : Math.max(0, reportReceipts - received),
        reportSellSum: reportSell,
        sellSum,
        sellReturnSum: r.sell_return_total_sum!,
        buySum: r.buy_total_sum!,
        buyReturnSum: r.buy_return_total_sum!,
        matches: matches ? 'да' : 'нет',
      };
    }
  })(),
});

const abcXyz: Runner = async (db, f) => {
  const where = rollupWhere(f, 'day');
  // Weeks of the period (ISO weeks, Monday first); without a period, those between the first and last sale.
  const weeks = await query(
    db,
    sql`select count(*)::int as n from generate_series(
          date_trunc('week', ${f.from ?? null}::date), date_trunc('week', ${f.to ?? null}::date), interval '1 week')`,
  );
  const items = await query(
    db,
    sql`with w as (
          select r.name, date_trunc('week', r.day) as week, sum(r.quantity) as q, sum(r.sum) as s
          from report_item_daily r where ${where} group by 1, 2
        ), span as (select count(distinct week)::int as observed,
              ((max(week)::date - min(week)::date) / 7 + 1)::int as n from w)
        select w.name, sum(w.s)::bigint as revenue, sum(w.q)::text as quantity,
          sum(w.q::float8)::float8 as q1, sum((w.q::float8) ^ 2)::float8 as q2, (select n from span) as span_weeks
        from w group by 1 order by 2 desc, 1`,
  );
  const n = f.from !== undefined && f.to !== undefined ? Number(weeks[0]?.n ?? 1) : Number(items[0]?.span_weeks ?? 1);
  const classified = classifyAbcXyz(
    items.map((r) => ({ name: String(r.name), revenue: Number(r.revenue), quantity: String(r.quantity), q1: Number(r.q1), q2: Number(r.q2) })),
    Math.max(1, n),
  );
  const matrix: Record<string, number> = {};
  for (const a of ['A', 'B', 'C']) for (const x of ['X', 'Y', 'Z']) matrix[a + x] = 0;
  for (const r of classified) matrix[`${r.abc}${r.xyz}`] = (matrix[`${r.abc}${r.xyz}`] ?? 0) + 1;
  return {
    name: 'abc-xyz',
    columns: [
      { key: 'name', title: 'Товар', kind: 'text' },
      { key: 'revenue', title: 'Выручка, ₽', kind: 'money', total: true },
      { key: 'quantity', title: 'Количество', kind: 'decimal' },
      { key: 'sharePercent', title: 'Доля, %', kind: 'decimal' },
      { key: 'cumulativePercent', title: 'Накопленная доля, %', kind: 'decimal' },
      { key: 'abc', title: 'ABC', kind: 'text' },
      { key: 'variationPercent', title: 'Коэффициент вариации, %', kind: 'decimal' },
      { key: 'xyz', title: 'XYZ', kind: 'text' },
      { key: 'group', title: 'Группа', kind: 'text' },
    ],
    rows: fromArray(classified.map((r) => ({ ...r, group: `${r.abc}${r.xyz}` }))),
    extra: () => ({ weeks: Math.max(1, n), matrix }),
  };
};

export interface AbcXyzInput {
  name: string;
  revenue: number;
  quantity: string;
  /** Σ weekly quantity and Σ weekly quantity² over the weeks with sales. */
  q1: number;
  q2: number;
}
export interface AbcXyzRow {
  name: string;
  revenue: number;
  quantity: string;
  sharePercent: string;
  cumulativePercent: string;
  abc: 'A' | 'B' | 'C';
  variationPercent: string | null;
  xyz: 'X' | 'Y' | 'Z';
}

/**
 * ABC by revenue share: sorted by revenue, an item is A while the share of the items before it is under 80 %, B under
 * 95 %, C after. XYZ by the coefficient of variation of weekly quantities over `weeks` weeks (weeks without sales count
 * as 0): ≤ 10 % X, ≤ 25 % Y, above (or no sales) Z.
 */
export function classifyAbcXyz(items: readonly AbcXyzInput[], weeks: number): AbcXyzRow[] {
  const sorted = [...items].sort((a, b) => b.revenue - a.revenue || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const total = sorted.reduce((s, r) => s + Math.max(0, r.revenue), 0);
  let before = 0;
  return sorted.map((r) => {
    const shareBefore = total > 0 ? before / total : 1;
    before += Math.max(0, r.revenue);
    const abc = shareBefore < 0.8 ? 'A' : shareBefore < 0.95 ? 'B' : 'C';
    const mean = r.q1 / weeks;
    const variance = Math.max(0, r.q2 / weeks - mean * mean);
    const cv = mean > 0 ? Math.sqrt(variance) / mean : null;
    const xyz = cv === null ? 'Z' : cv <= 0.1 + 1e-12 ? 'X' : cv <= 0.25 + 1e-12 ? 'Y' : 'Z';
    return {
      name: r.name,
      revenue: r.revenue,
      quantity: r.quantity,
      sharePercent: total > 0 ? ((r.revenue / total) * 100).toFixed(2) : '0.00',
      cumulativePercent: total > 0 ? ((before / total) * 100).toFixed(2) : '0.00',
      abc,
      variationPercent: cv === null ? null : (cv * 100).toFixed(2),
      xyz,
    };
  });
}

/** fiscal_drives with register_id filled from the drive's shifts when no registration report named the register. */
const drives = sql`(select fd.fn, fd.registered_at, fd.validity_months, fd.first_fd, fd.last_fd, fd.last_document_at,
    fd.exhaustion_sign, fd.replace_required_sign, fd.memory_exceeded_sign, fd.closed_at, fd.not_transmitted_count,
    coalesce(fd.register_id, (select s.register_id from shifts s
      where s.fn = fd.fn and s.register_id is not null order by s.shift_number desc limit 1)) as register_id
  from fiscal_drives fd)`;

const fnSchedule: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select f.fn, g.registration_number, ro.organization_id, g.outlet_id, f.register_id,
          f.registered_at, coalesce(f.validity_months, ${FN_DEFAULT_VALIDITY_MONTHS})::int as validity_months,
          f.first_fd, f.last_fd, f.last_document_at,
          (f.registered_at + make_interval(months => coalesce(f.validity_months, ${FN_DEFAULT_VALIDITY_MONTHS})::int)) as expires_at,
          case when f.registered_at is not null and f.last_document_at > f.registered_at and f.last_fd is not null
            then f.last_document_at + ((${FN_DOCUMENT_CAPACITY} - f.last_fd)::float8
              / (f.last_fd::float8 / (extract(epoch from (f.last_document_at - f.registered_at)) / 86400))) * interval '1 day'
          end as full_at,
          f.exhaustion_sign, f.replace_required_sign, f.memory_exceeded_sign, o.service_until as ofd_service_until
        from ${drives} f join registers g on g.id = f.register_id left join register_document_owners ro on ro.register_id = g.id
          left join ofd_services o on o.register_id = g.id
        where f.closed_at is null and ${scopeClause('ro.organization_id', f)} and ${placeClause('g.outlet_id', 'f.register_id', f)}
        order by f.fn`,
  );
  const day = (v: unknown) => (typeof v === 'string' ? v.slice(0, 10) : null);
  const now = new Date();
  return {
    name: 'fn-schedule',
    columns: [
      { key: 'registrationNumber', title: 'РН ККТ', kind: 'text' },
      { key: 'fn', title: 'ФН', kind: 'text' },
      { key: 'registeredAt', title: 'Регистрация', kind: 'text' },
      { key: 'validityMonths', title: 'Срок, мес', kind: 'int' },
      { key: 'expiresAt', title: 'Окончание срока', kind: 'text' },
      { key: 'lastFd', title: 'Последний ФД', kind: 'int' },
      { key: 'fillPercent', title: 'Заполнение, %', kind: 'decimal' },
      { key: 'fullAt', title: 'Прогноз заполнения', kind: 'text' },
      { key: 'replaceBy', title: 'Заменить до', kind: 'text' },
      { key: 'reason', title: 'Причина', kind: 'text' },
      { key: 'ofdServiceUntil', title: 'Обслуживание ОФД до', kind: 'text' },
      { key: 'ofdServiceDaysLeft', title: 'Дней обслуживания ОФД', kind: 'int' },
    ],
    rows: fromArray(
      rows.map((r) => {
        const expiresAt = day(r.expires_at);
        const fullAt = day(r.full_at);
        const replaceBy = expiresAt && fullAt ? (fullAt < expiresAt ? fullAt : expiresAt) : (expiresAt ?? fullAt);
        const lastFd = r.last_fd === null ? null : Number(r.last_fd);
        const ofdServiceUntil = day(r.ofd_service_until);
        return {
          registrationNumber: r.registration_number ?? null,
          fn: r.fn!,
          registerId: r.register_id ?? null,
          registeredAt: r.registered_at ?? null,
          validityMonths: r.validity_months!,
          expiresAt,
          lastFd,
          fillPercent: lastFd === null ? null : ((lastFd / FN_DOCUMENT_CAPACITY) * 100).toFixed(2),
          fullAt,
          replaceBy,
          reason:
            r.replace_required_sign || r.memory_exceeded_sign || r.exhaustion_sign
              ? 'сигнал ФН'
              : replaceBy === null
                ? null
                : replaceBy === fullAt
                  ? 'заполнение'
                  : 'срок действия',
          ofdServiceUntil,
          ofdServiceDaysLeft: ofdServiceUntil === null ? null : ofdServiceDaysLeft(ofdServiceUntil, now),
        };
      }),
    ),
  };
};

const unsent: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select g.registration_number, f.register_id, f.fn, count(*)::bigint as gaps, sum(x.to_fd - x.from_fd + 1)::bigint as missing,
          min(x.from_fd) as first_missing_fd, to_char(min(x.detected_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as since,
          f.not_transmitted_count
        from fd_gaps x join ${drives} f on f.fn = x.fn join registers g on g.id = f.register_id
          left join register_document_owners ro on ro.register_id = g.id
        where ${scopeClause('ro.organization_id', f)} and ${placeClause('g.outlet_id', 'f.register_id', f)}
        group by 1, 2, 3, 8 order by 1, 3`,
  );
  return {
    name: 'unsent',
    columns: [
      { key: 'registrationNumber', title: 'РН ККТ', kind: 'text' },
      { key: 'fn', title: 'ФН', kind: 'text' },
      { key: 'gaps', title: 'Пропусков', kind: 'int', total: true },
      { key: 'missingDocuments', title: 'Не получено ФД', kind: 'int', total: true },
      { key: 'firstMissingFd', title: 'Первый пропущенный ФД', kind: 'int' },
      { key: 'since', title: 'Обнаружено', kind: 'text' },
      { key: 'notTransmittedCount', title: 'Не передано по данным ФН', kind: 'int' },
    ],
    rows: fromArray(
      rows.map((r) => ({
        registrationNumber: r.registration_number ?? null,
        registerId: r.register_id ?? null,
        fn: r.fn!,
        gaps: r.gaps!,
        missingDocuments: r.missing!,
        firstMissingFd: r.first_missing_fd!,
        since: r.since!,
        notTransmittedCount: r.not_transmitted_count ?? null,
      })),
    ),
  };
};

const RUNNERS: Readonly<Record<ReportName, Runner>> = {
  'z-report': zReport,
  shifts,
  'payment-types': paymentTypes,
  'tax-systems': taxSystems,
  vat,
  outlets,
  hours,
  'abc-xyz': abcXyz,
  'fn-schedule': fnSchedule,
  unsent,
};

export function runReport(db: Db, name: ReportName, filter: ReportFilter): Promise<ReportResult> {
  return RUNNERS[name](db, filter);
}

/** Totals of the columns marked `total`, exact (integer kopecks / counts). */
export function addToTotals(totals: Record<string, number>, columns: readonly ReportColumn[], row: ReportRow): void {
  for (const c of columns) {
    if (!c.total) continue;
    const v = row[c.key];
    if (typeof v === 'number') totals[c.key] = (totals[c.key] ?? 0) + v;
  }
}
