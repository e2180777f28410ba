/**
 * Paid OFD service terms (issue 17), pure: which price applies on a day, and which calendar days a newly paid term
 * covers. Days are Moscow calendar dates `YYYY-MM-DD` (what the contract and the cabinet show), inclusive.
 */

export interface TariffPrice {
  readonly months: number;
  readonly price: number;
  readonly promo_price: number | null;
  readonly promo_from: string | null;
  readonly promo_until: string | null;
}

/** The price in kopecks on `day`: the promotional one inside its dates, else the list price. */
export function priceOn(t: TariffPrice, day: string): number {
  if (t.promo_price !== null && t.promo_from !== null && t.promo_until !== null && day >= t.promo_from && day <= t.promo_until) {
    return t.promo_price;
  }
  return t.price;
}

const DAY_MS = 86_400_000;

function parseDay(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

export function addDays(day: string, days: number): string {
  return new Date(parseDay(day).getTime() + days * DAY_MS).toISOString().slice(0, 10);
}

/** `day` plus whole months; the 31st of a shorter month becomes its last day (as PostgreSQL's `date + interval`). */
export function addMonths(day: string, months: number): string {
  const d = parseDay(day);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastOfTarget = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), lastOfTarget))).toISOString().slice(0, 10);
}

/**
 * The days a new term of `months` covers: from the day after the current paid end when the register is still served
 * (a renewal adds to what is left), else from today; up to the day before the same date `months` later.
 */
export function nextTerm(currentEnd: string | null, today: string, months: number): { startsOn: string; endsOn: string } {
  const startsOn = currentEnd !== null && currentEnd >= today ? addDays(currentEnd, 1) : today;
  return { startsOn, endsOn: addDays(addMonths(startsOn, months), -1) };
}
