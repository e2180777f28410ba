/**
 * The shared filters of every Аналитика screen, as the URL carries them (a link reproduces the view), and the links
 * from a figure to the receipts behind it in Чеки (whose URL filters are the documents API's query, see
 * features/receipts/lib/receipt-filters.ts — matched here by name, features do not import each other).
 */
import type { FilterSpec, FilterValues } from '../../../lib/url-filters';
import type { Period } from './period';

export const ANALYTICS_FILTERS = {
  period: 'string',
  from: 'string',
  to: 'string',
  organizationId: 'int',
  outletId: 'int',
  registerId: 'int',
} as const satisfies FilterSpec;
export type AnalyticsFilters = FilterValues<typeof ANALYTICS_FILTERS>;

/** The report API's query for the filters and the resolved period. */
export function reportQuery(f: AnalyticsFilters, p: Period): { from: string; to: string; organizationId?: number; outletId?: number; registerId?: number } {
  return {
    from: p.from,
    to: p.to,
    ...(f.organizationId !== undefined ? { organizationId: f.organizationId } : {}),
    ...(f.outletId !== undefined ? { outletId: f.outletId } : {}),
    ...(f.registerId !== undefined ? { registerId: f.registerId } : {}),
  };
}

export interface ReceiptsNarrowing {
  /** One day instead of the whole period. */
  day?: string;
  operationType?: number;
  taxationType?: number;
  payment?: 'cash' | 'ecash' | 'prepaid' | 'credit' | 'provision';
  outletId?: number | null;
  registerId?: number | null;
  fn?: string;
  item?: string;
}

/** `/receipts?…`: the receipts of the filters' period and places, narrowed to what a figure counts. */
export function receiptsHref(f: AnalyticsFilters, p: Period, n: ReceiptsNarrowing = {}): string {
  const q = new URLSearchParams();
  if (f.organizationId !== undefined) q.set('organizationId', String(f.organizationId));
  const outlet = n.outletId ?? f.outletId;
  const register = n.registerId ?? f.registerId;
  if (outlet !== undefined && outlet !== null) q.set('outletId', String(outlet));
  if (register !== undefined && register !== null) q.set('registerId', String(register));
  if (n.fn) q.set('fn', n.fn);
  q.set('dateFrom', `${n.day ?? p.from}T00:00:00`);
  q.set('dateTo', `${n.day ?? p.to}T23:59:59`);
  if (n.operationType !== undefined) q.set('operationType', String(n.operationType));
  if (n.taxationType !== undefined) q.set('taxationType', String(n.taxationType));
  if (n.payment) q.set('payment', n.payment);
  // The documents API looks for an item name of at least two characters.
  if (n.item && n.item.trim().length >= 2) q.set('item', n.item.trim().slice(0, 200));
  return `/receipts?${q.toString()}`;
}
