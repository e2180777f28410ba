/**
 * The reports of `GET /api/v1/reports/{name}`: each one is a list of columns (with Russian titles for the exports) and an
 * async stream of rows. Money is integer kopecks in the rows; the exporters turn it into rubles.
 *
 * Sources: the rollups (written by src/db/rollups.repository.ts) for everything about receipts; `shifts` for shifts and Z-reports;
 * `fiscal_drives` and `fd_gaps` for the FN forecast and the unsent documents, `ofd_services` for the end of the OFD
 * service. No report scans `documents`.
 */
import { sql } from 'kysely';
import { abcXyz } from './abc-xyz.report.js';
import { fnSchedule, unsent } from './fn-schedule.report.js';
import {
  OPERATION_NAMES,
  TAXATION_NAMES,
  WEEKDAYS,
  fromArray,
  periodClause,
  placeClause,
  query,
  rollupWhere,
  scopeClause,
  sumsOf,
  type Db,
  type ReportFilter,
  type ReportName,
  type ReportResult,
  type ReportRow,
  type Runner,
} from './report-query.js';

export * from './report-query.js';
export { classifyAbcXyz, MIN_XYZ_WEEKS, type AbcXyzInput, type AbcXyzRow } from './abc-xyz.report.js';

/**
 * Money of a receipt operation counts towards a net total with this sign: money in (приход, возврат расхода) plus, money
 * out (возврат прихода, расход) minus — «Итого» of 185 559,33 ₽ sales and 1 433,28 ₽ returns is 184 126,05 ₽.
 */
export const OPERATION_SIGN: Readonly<Record<number, 1 | -1>> = { 1: 1, 2: -1, 3: -1, 4: 1 };
const operationSign = (row: ReportRow): 1 | -1 => OPERATION_SIGN[Number(row['operationType'])] ?? 1;


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
    totalSign: operationSign,
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
    totalSign: operationSign,
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
    totalSign: operationSign,
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

const SHIFT_PAGE = 2000;

/** Of the filter: the shift's own conditions (`s`: shifts), and whose register it is (`g` registers, `ro` its owner). */
const shiftPeriod = (f: ReportFilter, closedOnly: boolean) => sql`${periodClause('s.opened_at', f)} ${closedOnly ? sql`and s.close_fd is not null` : sql``}`;
const shiftPlace = (f: ReportFilter) => sql`${scopeClause('ro.organization_id', f)} and ${placeClause('g.outlet_id', 's.register_id', f, 'ro.organization_id')}`;
const SHIFT_REGISTER = sql`join registers g on g.id = s.register_id left join register_document_owners ro on ro.register_id = g.id`;

/**
 * The FNs of the filter's shifts in list order, grouped so that each group holds about a page of shifts (a group is at
 * least one FN). One pass over the organization's registers: an index-only scan of shifts (register_id, opened_at)
 * including fn and close_fd (migration 0051).
 */
async function shiftGroups(db: Db, f: ReportFilter, closedOnly: boolean): Promise<string[][]> {
  const counts = await query(
    db,
    sql`select s.fn, count(*)::int as n from shifts s ${SHIFT_REGISTER} where ${shiftPlace(f)} and ${shiftPeriod(f, closedOnly)}
        group by s.fn order by s.fn`,
  );
  const groups: string[][] = [];
  let group: string[] = [];
  let size = 0;
  for (const c of counts) {
    if (group.length > 0 && size + Number(c.n) > SHIFT_PAGE) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(String(c.fn));
    size += Number(c.n);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * Shifts in pages by (fn, shift_number): the list can be long (100 000+), memory stays flat. Each page is one group of
 * FNs from shiftGroups, read through the primary key (`fn = any(…)`, in a materialized CTE so that the planner cannot
 * go through the registers' index instead), so the whole list costs one pass over its shifts. (A keyset query per
 * page over the organization's registers read ALL their shifts of the period for every page and sorted them for the
 * next 2 000: 18 250 shifts of a year × 10 pages, 1.5–3.4 s on the benchmark's million receipts.) A group that grew
 * past a page since it was counted pages on by keyset within it; an FN that appeared since is left out, as if the
 * report had run a moment earlier.
 */
async function* shiftPages(db: Db, f: ReportFilter, closedOnly: boolean): AsyncIterable<ReportRow> {
  for (const fns of await shiftGroups(db, f, closedOnly)) {
    let after: [string, number] | undefined;
    for (;;) {
      const rows = await query(
        db,
        sql`with s as materialized (
              select * from shifts s where s.fn = any(${fns}::text[]) and ${shiftPeriod(f, closedOnly)}
                ${after ? sql`and (s.fn, s.shift_number) > (${after[0]}, ${after[1]})` : sql``})
            select s.fn, s.shift_number, g.registration_number, ro.organization_id, g.outlet_id, s.register_id,
              s.opened_at, s.closed_at, s.open_fd, s.close_fd,
              extract(epoch from (s.closed_at - s.opened_at))::bigint as duration_s,
              s.receipts_quantity, s.documents_quantity, s.not_transmitted_count, s.closing_counters,
              s.received_receipts, s.sell_total_sum, s.sell_return_total_sum, s.buy_total_sum, s.buy_return_total_sum
            from s ${SHIFT_REGISTER}
            where ${shiftPlace(f)}
            order by s.fn, s.shift_number limit ${SHIFT_PAGE}`,
      );
      for (const r of rows) yield r;
      const last = rows.at(-1);
      if (rows.length < SHIFT_PAGE || !last) break;
      after = [String(last.fn), Number(last.shift_number)];
    }
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

