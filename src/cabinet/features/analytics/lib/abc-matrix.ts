/** The ABC × XYZ matrix from the report's `extra` (pure, tested): cells in reading order with their items. */
export interface AbcExtra {
  weeks: number;
  minWeeks: number;
  xyzJudged: boolean;
  warning: string | null;
  thresholds: { abc: { A: number; B: number }; xyz: { X: number; Y: number } };
  matrix: Record<string, number>;
  cells: Record<string, string[]>;
}

export function abcExtraOf(extra: Record<string, unknown> | undefined): AbcExtra | undefined {
  if (!extra || typeof extra['matrix'] !== 'object' || typeof extra['thresholds'] !== 'object') return undefined;
  return extra as unknown as AbcExtra;
}

export const ABC_MEANING: Record<string, string> = { A: 'основная выручка', B: 'средний вклад', C: 'малый вклад' };
export const XYZ_MEANING: Record<string, string> = { X: 'стабильный спрос', Y: 'колеблющийся спрос', Z: 'случайный спрос' };

/** Rows A, B, C; columns X, Y, Z (one column, '', when XYZ was not judged). */
export function matrixCells(e: AbcExtra): Array<{ abc: string; cells: Array<{ key: string; xyz: string; count: number; items: string[] }> }> {
  const xs = e.xyzJudged ? ['X', 'Y', 'Z'] : [''];
  return ['A', 'B', 'C'].map((abc) => ({
    abc,
    cells: xs.map((xyz) => ({ key: abc + xyz, xyz, count: e.matrix[abc + xyz] ?? 0, items: e.cells[abc + xyz] ?? [] })),
  }));
}

/** «A — до 80 % выручки, B — до 95 %, C — остальное; X — вариация ≤ 10 %, Y — ≤ 25 %, Z — больше». */
export function thresholdsText(e: AbcExtra): string[] {
  const t = e.thresholds;
  return [
    `A — товары, дающие первые ${t.abc.A} % выручки; B — следующие до ${t.abc.B} %; C — остальные ${100 - t.abc.B} %.`,
    `X — коэффициент вариации недельных продаж не выше ${t.xyz.X} %; Y — не выше ${t.xyz.Y} %; Z — выше ${t.xyz.Y} % (по ${e.weeks} нед., нужно не меньше ${e.minWeeks}).`,
  ];
}
