/**
 * The paid-until date a purchase will give, shown before paying (issue 17). The same rules as the server's
 * src/billing/service-terms.ts (a renewal starts the day after the current paid end while the register is served, else
 * today; a term of N months ends the day before the same date N months later; the 31st of a shorter month becomes its
 * last day), restated here because the cabinet never imports server code. Days are Moscow dates `YYYY-MM-DD`.
 */

export interface TariffPrice {
  readonly months: number;
  readonly price: number;
  readonly promo: { price: number; from: string; until: string } | null;
}

const DAY_MS = 86_400_000;
const at = (day: string) => new Date(`${day}T00:00:00Z`);

export function addDays(day: string, days: number): string {
  return new Date(at(day).getTime() + days * DAY_MS).toISOString().slice(0, 10);
}

export function addMonths(day: string, months: number): string {
  const d = at(day);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), last))).toISOString().slice(0, 10);
}

/** The term a purchase today adds to a register whose paid service ends on `until` (null: nothing paid). */
export function nextTerm(until: string | null, today: string, months: number): { startsOn: string; endsOn: string } {
  const startsOn = until !== null && until >= today ? addDays(until, 1) : today;
  return { startsOn, endsOn: addDays(addMonths(startsOn, months), -1) };
}

/** Whether the promotional price applies on `day`. */
export function promoOn(t: TariffPrice, day: string): boolean {
  return t.promo !== null && day >= t.promo.from && day <= t.promo.until;
}

/** The Moscow calendar date of an instant (the contract's days are Moscow days, whatever the viewer's zone). */
export function moscowToday(now: Date = new Date()): string {
  // UTC+3 all year (no daylight saving since 2014).
  return new Date(now.getTime() + 3 * 3_600_000).toISOString().slice(0, 10);
}

/** Whole days from `today` to `day` (0 on the day itself, negative after). */
export function daysBetween(today: string, day: string): number {
  return Math.round((at(day).getTime() - at(today).getTime()) / DAY_MS);
}

/**
 * A period of Moscow days (inclusive, `YYYY-MM-DD`) as the account history's instants: from the first day's Moscow
 * midnight up to (not including) the midnight after the last day.
 */
export function moscowPeriod(from: string | undefined, to: string | undefined): { from?: string; to?: string } {
  return {
    ...(from ? { from: `${from}T00:00:00+03:00` } : {}),
    ...(to ? { to: `${addDays(to, 1)}T00:00:00+03:00` } : {}),
  };
}
