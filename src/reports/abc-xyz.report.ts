/**
 * ABC × XYZ analysis of the items sold (report_item_daily_ids, migration 0075): ABC by revenue share, XYZ by the
 * variation of weekly quantities — judged only over a period long enough to show variation (MIN_XYZ_WEEKS).
 */
import { sql } from 'kysely';
import { fromArray, query, rollupWhere, type Runner } from './report-query.js';

export const abcXyz: Runner = async (db, f) => {
  const where = rollupWhere(f, 'day');
  // Weeks of the period (ISO weeks, Monday first); without a period, those between the first and last sale.
  const weeks = await query(
    db,
    sql`select count(*)::int as n from generate_series(
          date_trunc('week', ${f.from ?? null}::date), date_trunc('week', ${f.to ?? null}::date), interval '1 week')`,
  );
  const items = await query(
    db,
    // Summed by name id first, names joined after: one dictionary lookup per item and week, not per stored row. The
    // second branch: rows a previous release's worker wrote by name during an upgrade (migration 0075).
    sql`with by_id as (
          select r.name_id, null::text as name, date_trunc('week', r.day) as week, sum(r.quantity) as q, sum(r.sum) as s
          from report_item_daily_ids r where ${where} group by 1, 2, 3
          union all
          select 0, r.name, date_trunc('week', r.day), sum(r.quantity), sum(r.sum)
          from report_item_daily r where ${where} group by 2, 3
        ), w as (
          select coalesce(n.name, b.name, '') as name, b.week, sum(b.q) as q, sum(b.s) as s
          from by_id b left join item_name_dictionary n on n.id = b.name_id group by 1, 2
        ), span as (select count(distinct week)::int as observed,
              ((max(week)::date - min(week)::date) / 7 + 1)::int as n from w)
        select w.name, sum(w.s)::bigint as revenue, sum(w.q)::text as quantity,
          sum(w.q::float8)::float8 as q1, sum((w.q::float8) ^ 2)::float8 as q2, (select n from span) as span_weeks
        from w group by 1 order by 2 desc, 1`,
  );
  const n = Math.max(1, f.from !== undefined && f.to !== undefined ? Number(weeks[0]?.n ?? 1) : Number(items[0]?.span_weeks ?? 1));
  const judged = n >= MIN_XYZ_WEEKS;
  const classified = classifyAbcXyz(
    items.map((r) => ({ name: String(r.name), revenue: Number(r.revenue), quantity: String(r.quantity), q1: Number(r.q1), q2: Number(r.q2) })),
    n,
  ).map((r) => (judged ? r : { ...r, variationPercent: null, xyz: null }));
  const warning = judged ? null : xyzTooShortWarning(n);
  const rows = classified.map((r) => ({ ...r, group: `${r.abc}${r.xyz ?? ''}` }));
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
    rows: fromArray(rows),
    extra: () => ({
      weeks: n,
      minWeeks: MIN_XYZ_WEEKS,
      xyzJudged: judged,
      warning,
      thresholds: ABC_XYZ_THRESHOLDS,
      matrix: matrixOf(rows, judged),
      cells: cellsOf(rows),
    }),
    warnings: () => (warning === null ? [] : [warning]),
  };
};

/** Fewer weekly observations than this say nothing about variation: one week has none at all (every item "X"). */
export const MIN_XYZ_WEEKS = 4;
/** The classes' bounds, percent: ABC by the revenue share before the item, XYZ by the coefficient of variation. */
export const ABC_XYZ_THRESHOLDS = { abc: { A: 80, B: 95 }, xyz: { X: 10, Y: 25 } } as const;

export function xyzTooShortWarning(weeks: number): string {
  return `Период слишком короткий для XYZ-анализа: ${weeks} нед., нужно не меньше ${MIN_XYZ_WEEKS}. Показан только ABC-анализ.`;
}

/** Items per cell (AX … CZ; A, B, C when XYZ is not judged). */
function matrixOf(rows: ReadonlyArray<{ group: string }>, judged: boolean): Record<string, number> {
  const matrix: Record<string, number> = {};
  for (const a of ['A', 'B', 'C']) {
    if (judged) for (const x of ['X', 'Y', 'Z']) matrix[a + x] = 0;
    else matrix[a] = 0;
  }
  for (const r of rows) matrix[r.group] = (matrix[r.group] ?? 0) + 1;
  return matrix;
}

/** The item names of each cell, by revenue (the cabinet lists them under the matrix). */
function cellsOf(rows: ReadonlyArray<{ group: string; name: string }>): Record<string, string[]> {
  const cells: Record<string, string[]> = {};
  for (const r of rows) (cells[r.group] ??= []).push(r.name);
  return cells;
}

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
