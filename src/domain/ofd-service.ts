/**
 * Paid periods (issues 7 and 17): the OFD service of a register (its last day served under the contract) and the
 * branded e-receipt service of an organization (an instant it ends at), and how many days are left of them. Pure: the
 * caller passes the clock.
 */

/** Reminders before a paid period ends fire at these many days left (`ofd.expiring`, `branding.expiring`). */
export const PAID_PERIOD_THRESHOLDS_DAYS = [30, 7, 1] as const;
/** The `ofd.expiring` notification fires at these many days left of the paid service (and re-arms when it is paid again). */
export const OFD_EXPIRY_THRESHOLDS_DAYS = PAID_PERIOD_THRESHOLDS_DAYS;

const DAY_MS = 86_400_000;
/** Contracts are dated in Moscow, the zone the cabinet shows; a fixed offset (Russia keeps no DST). */
const MOSCOW_OFFSET_MS = 3 * 3_600_000;

/** Today's date in Moscow, `YYYY-MM-DD`. */
export function moscowDate(now: Date): string {
  return new Date(now.getTime() + MOSCOW_OFFSET_MS).toISOString().slice(0, 10);
}

/** An instant as Moscow reads it, `05.01.2027 20:23` (for texts people get). */
export function moscowDateTime(at: Date): string {
  const iso = new Date(at.getTime() + MOSCOW_OFFSET_MS).toISOString();
  return `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)} ${iso.slice(11, 16)}`;
}

/**
 * Whole days from today (Moscow) to `serviceUntil` (`YYYY-MM-DD`, the last day served, inclusive): 0 on the last day,
 * negative once it has passed.
 */
export function ofdServiceDaysLeft(serviceUntil: string, now: Date): number {
  return Math.round((Date.parse(`${serviceUntil}T00:00:00Z`) - Date.parse(`${moscowDate(now)}T00:00:00Z`)) / DAY_MS);
}

/**
 * The last Moscow day of a period that ends at the instant `endsAt` (exclusive): a period ending at 00:00 Moscow ends
 * with the day before.
 */
export function lastPaidDay(endsAt: Date): string {
  return moscowDate(new Date(endsAt.getTime() - 1));
}

/** The thresholds of PAID_PERIOD_THRESHOLDS_DAYS that `daysLeft` is within, widest first. */
export function thresholdsWithin(daysLeft: number): number[] {
  return PAID_PERIOD_THRESHOLDS_DAYS.filter((days) => daysLeft <= days);
}
