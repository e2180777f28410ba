/**
 * What every report shares: the report names, columns, rows and filter, the SQL of the filters, the Russian names of
 * codes, and the totals. The runners are in reports.ts (receipts and shifts), abc-xyz.report.ts and fn-schedule.report.ts.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/database.js';

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
  /**
   * A membership limited to registers (issue 16, api/auth/access-scope.ts): organization id → its registers the caller
   * may read. Rows of those organizations outside these registers are left out.
   */
  readonly limitedRegisters?: ReadonlyMap<number, readonly number[]> | undefined;
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
  /**
   * The sign a row's money adds to the totals with (receipt reports: returns subtract, so «Итого» is net); counts are
   * always added. Default +1.
   */
  readonly totalSign?: (row: ReportRow) => 1 | -1;
  /** Warnings about the figures (a period too short to judge), shown in JSON and below the table in the exports. */
  readonly warnings?: () => readonly string[];
}


export type Db = Kysely<Database>;
export type Runner = (db: Db, f: ReportFilter) => Promise<ReportResult>;

// ---- filters ------------------------------------------------------------------------------------------------------

export function scopeClause(col: string, f: ReportFilter): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  if (f.scope !== 'all') parts.push(f.scope.length === 0 ? sql`false` : sql`${sql.ref(col)} = any(${[...f.scope]}::bigint[])`);
  if (f.organizationId !== undefined) parts.push(sql`${sql.ref(col)} = ${f.organizationId}`);
  return parts.length === 0 ? sql`true` : sql.join(parts, sql` and `);
}

export function placeClause(outletCol: string, registerCol: string, f: ReportFilter, organizationCol: string): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`true`];
  if (f.limitedRegisters !== undefined && f.limitedRegisters.size > 0) {
    const limitedOrgs = [...f.limitedRegisters.keys()];
    const allowed = [...f.limitedRegisters.values()].flat();
    parts.push(sql`(not (${sql.ref(organizationCol)} = any(${limitedOrgs}::bigint[])) or ${sql.ref(registerCol)} = any(${[...allowed, 0]}::bigint[]))`);
  }
  if (f.outletId !== undefined) parts.push(sql`${sql.ref(outletCol)} = ${f.outletId}`);
  if (f.registerId !== undefined) parts.push(sql`${sql.ref(registerCol)} = ${f.registerId}`);
  return sql.join(parts, sql` and `);
}

/** Rollup rows of the filter: t is report_rollup_daily (day) or report_rollup_hourly (hour). */
export function rollupWhere(f: ReportFilter, bucket: 'day' | 'hour'): RawBuilder<unknown> {
  const parts = [scopeClause('r.organization_id', f), placeClause('r.outlet_id', 'r.register_id', f, 'r.organization_id')];
  if (f.from !== undefined) parts.push(sql`${sql.ref(`r.${bucket}`)} >= ${f.from}::date`);
  if (f.to !== undefined) parts.push(sql`${sql.ref(`r.${bucket}`)} < ${f.to}::date + 1`);
  return sql.join(parts, sql` and `);
}

/** Local-time column within the period (both ends inclusive days). */
export function periodClause(col: string, f: ReportFilter): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`true`];
  if (f.from !== undefined) parts.push(sql`${sql.ref(col)} >= ${f.from}::date`);
  if (f.to !== undefined) parts.push(sql`${sql.ref(col)} < ${f.to}::date + 1`);
  return sql.join(parts, sql` and `);
}

export async function* fromArray(rows: readonly ReportRow[]): AsyncIterable<ReportRow> {
  for (const r of rows) yield r;
}

export async function query(db: Db, q: RawBuilder<unknown>): Promise<ReportRow[]> {
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
export const WEEKDAYS = ['', 'Понедельник', 'Вторник', 'Среда', 'Четверг', 'Пятница', 'Суббота', 'Воскресенье'];

export const sumsOf = (cols: readonly string[]) => sql.raw(cols.map((c) => `sum(${c})::bigint as ${c}`).join(', '));

/** Adds a row to the totals of the columns marked `total`, exact (integer kopecks / counts); money by the report's sign. */
export function addToTotals(totals: Record<string, number>, report: Pick<ReportResult, 'columns' | 'totalSign'>, row: ReportRow): void {
  const sign = report.totalSign?.(row) ?? 1;
  for (const c of report.columns) {
    if (!c.total) continue;
    const v = row[c.key];
    if (typeof v === 'number') totals[c.key] = (totals[c.key] ?? 0) + (c.kind === 'money' ? sign * v : v);
  }
}
