import type { ReportQuery } from '../api/reports';
import type { AnalyticsFilters } from '../lib/filters';
import type { Period } from '../lib/period';

/** What every screen gets from the page: the filters of the URL, the resolved period, the report query. */
export interface ScreenContext {
  filters: AnalyticsFilters;
  period: Period;
  query: ReportQuery;
}

export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));
export const rubles = (kopecks: number) => Math.round(kopecks) / 100;
