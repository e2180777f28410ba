/**
 * What the charts show, from a report's rows (pure: the component tests check it). Money stays integer kopecks;
 * receipt money is net — приход and возврат расхода add, возврат прихода and расход subtract — as the API's «Итого».
 */
type Row = Record<string, string | number | boolean | null>;

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : 0);
export const OPERATION_SIGN: Readonly<Record<number, 1 | -1>> = { 1: 1, 2: -1, 3: -1, 4: 1 };
const signOf = (r: Row) => OPERATION_SIGN[num(r['operationType'])] ?? 1;

export interface DayRevenue {
  day: string;
  revenue: number;
  receipts: number;
}

/** Net takings by day (payment-types rows: one per day and operation), every day of the period present. */
export function revenueByDay(rows: readonly Row[], days: readonly string[]): DayRevenue[] {
  const by = new Map(days.map((d) => [d, { day: d, revenue: 0, receipts: 0 }]));
  for (const r of rows) {
    const day = String(r['day']);
    const e = by.get(day) ?? { day, revenue: 0, receipts: 0 };
    e.revenue += signOf(r) * num(r['totalSum']);
    if (num(r['operationType']) === 1) e.receipts += num(r['receipts']);
    by.set(day, e);
  }
  return [...by.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
}

export const PAYMENT_KINDS = [
  { key: 'cash', label: 'Наличными', payment: 'cash' },
  { key: 'card', label: 'Безналичными', payment: 'ecash' },
  { key: 'prepaid', label: 'Предоплата (аванс)', payment: 'prepaid' },
  { key: 'credit', label: 'Постоплата (кредит)', payment: 'credit' },
  { key: 'provision', label: 'Встречное предоставление', payment: 'provision' },
] as const;

/** Net sums by payment type with their share of the whole (percent, 1 decimal); types with nothing are left out. */
export function paymentShares(rows: readonly Row[]): Array<{ key: string; label: string; sum: number; percent: number }> {
  const sums = PAYMENT_KINDS.map((k) => ({ key: k.key, label: k.label, sum: rows.reduce((s, r) => s + signOf(r) * num(r[k.key]), 0) }));
  const total = sums.reduce((s, x) => s + Math.max(0, x.sum), 0);
  return sums.filter((x) => x.sum !== 0).map((x) => ({ ...x, percent: total > 0 ? Math.round((Math.max(0, x.sum) / total) * 1000) / 10 : 0 }));
}

export const WEEKDAY_SHORT = ['Пн', 'Вт', 'Ср', 'Чт', 'Пт', 'Сб', 'Вс'];

/** The hours heat map: [hour 0–23, weekday 0 (Mon)–6, value] for each cell with data, and the largest value. */
export function hoursHeatmap(rows: readonly Row[], metric: 'revenue' | 'sellReceipts'): { cells: Array<[number, number, number]>; max: number } {
  const grid = new Map<string, number>();
  for (const r of rows) {
    const key = `${num(r['hour'])}:${num(r['weekday']) - 1}`;
    grid.set(key, (grid.get(key) ?? 0) + num(r[metric]));
  }
  const cells = [...grid].map(([k, v]) => {
    const [h, w] = k.split(':').map(Number);
    return [h!, w!, v] as [number, number, number];
  });
  return { cells, max: cells.reduce((m, c) => Math.max(m, c[2]), 0) };
}

export interface OutletSummary {
  outletId: number | null;
  title: string;
  registers: number;
  sellReceipts: number;
  sellSum: number;
  returnReceipts: number;
  returnSum: number;
  revenue: number;
  averageCheck: number | null;
}

/** The outlets report's rows are per register: summed per outlet, side by side, largest revenue first. */
export function outletsSideBySide(rows: readonly Row[]): OutletSummary[] {
  const by = new Map<string, OutletSummary>();
  for (const r of rows) {
    const id = r['outletId'] === null || r['outletId'] === undefined ? null : num(r['outletId']);
    const key = id === null ? 'none' : String(id);
    const title = id === null ? 'Без торговой точки' : [r['place'], r['address']].filter((s) => typeof s === 'string' && s.trim() !== '').join(', ') || `Точка №${id}`;
    const e = by.get(key) ?? { outletId: id, title, registers: 0, sellReceipts: 0, sellSum: 0, returnReceipts: 0, returnSum: 0, revenue: 0, averageCheck: null };
    e.registers += 1;
    e.sellReceipts += num(r['sellReceipts']);
    e.sellSum += num(r['sellSum']);
    e.returnReceipts += num(r['returnReceipts']);
    e.returnSum += num(r['returnSum']);
    e.revenue = e.sellSum - e.returnSum;
    e.averageCheck = e.sellReceipts > 0 ? Math.round(e.sellSum / e.sellReceipts) : null;
    by.set(key, e);
  }
  return [...by.values()].sort((a, b) => b.revenue - a.revenue || a.title.localeCompare(b.title, 'ru'));
}

/** The ABC Pareto curve: item by item (largest revenue first), the cumulative share of revenue, percent. */
export function paretoPoints(rows: readonly Row[]): Array<{ name: string; revenue: number; cumulative: number; abc: string }> {
  const items = rows.map((r) => ({ name: String(r['name']), revenue: num(r['revenue']), abc: String(r['abc'] ?? '') })).sort((a, b) => b.revenue - a.revenue);
  const total = items.reduce((s, x) => s + Math.max(0, x.revenue), 0);
  let acc = 0;
  return items.map((x) => {
    acc += Math.max(0, x.revenue);
    return { ...x, cumulative: total > 0 ? Math.round((acc / total) * 10000) / 100 : 0 };
  });
}

export type Urgency = 'overdue' | 'urgent' | 'soon' | 'later' | 'unknown';

/** How urgent a date is: past (overdue), within 30 days (urgent), within 90 (soon), later; no date — unknown. */
export function urgencyOf(daysLeft: number | null | undefined): Urgency {
  if (daysLeft === null || daysLeft === undefined) return 'unknown';
  if (daysLeft < 0) return 'overdue';
  if (daysLeft <= 30) return 'urgent';
  if (daysLeft <= 90) return 'soon';
  return 'later';
}

export interface TimelineEvent {
  key: string;
  on: string | null;
  daysLeft: number | null;
  what: 'fn' | 'ofd';
  registrationNumber: string | null;
  registerId: number | null;
  fn: string;
  reason: string;
  urgency: Urgency;
}

/** FN replacement and OFD service end as separate events, soonest first (no date last), one list for the timeline. */
export function fnTimeline(rows: readonly Row[]): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  for (const r of rows) {
    const base = {
      registrationNumber: r['registrationNumber'] === null ? null : String(r['registrationNumber']),
      registerId: r['registerId'] === null || r['registerId'] === undefined ? null : num(r['registerId']),
      fn: String(r['fn']),
    };
    const fnDays = r['daysLeft'] === null || r['daysLeft'] === undefined ? null : num(r['daysLeft']);
    out.push({
      ...base,
      key: `fn-${base.fn}`,
      what: 'fn',
      on: (r['replaceBy'] as string | null) ?? null,
      daysLeft: fnDays,
      reason: String(r['reason'] ?? 'Дата замены неизвестна: нет отчёта о регистрации ФН'),
      urgency: urgencyOf(fnDays),
    });
    if (typeof r['ofdServiceUntil'] === 'string') {
      const d = r['ofdServiceDaysLeft'] === null ? null : num(r['ofdServiceDaysLeft']);
      out.push({ ...base, key: `ofd-${base.fn}`, what: 'ofd', on: r['ofdServiceUntil'], daysLeft: d, reason: 'Окончание оплаченного обслуживания ОФД: продлите договор, иначе данные перестанут передаваться в ФНС', urgency: urgencyOf(d) });
    }
  }
  return out.sort((a, b) => (a.on ?? '9999-12-31').localeCompare(b.on ?? '9999-12-31') || a.fn.localeCompare(b.fn));
}

/** Every day of the period, for a continuous axis. */
export function daysOf(from: string, to: string, limit = 1100): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end && out.length < limit; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}
