/**
 * OFD service of a register (issue 7): the last day the operator serves it under the contract, and how many days are
 * left. Pure: the caller passes the clock.
 */

/** The `ofd.expiring` notification fires at these many days left of the paid service (and re-arms when it is paid again). */
export const OFD_EXPIRY_THRESHOLDS_DAYS = [30, 7, 1] as const;

const DAY_MS = 86_400_000;
/** Contracts are dated in Moscow, the zone the cabinet shows; a fixed offset (Russia keeps no DST). */
const MOSCOW_OFFSET_MS = 3 * 3_600_000;

/** Today's date in Moscow, `YYYY-MM-DD`. */
export function moscowDate(now: Date): string {
  return new Date(now.getTime() + MOSCOW_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * Whole days from today (Moscow) to `serviceUntil` (`YYYY-MM-DD`, the last day served, inclusive): 0 on the last day,
 * negative once it has passed.
 */
export function ofdServiceDaysLeft(serviceUntil: string, now: Date): number {
  return Math.round((Date.parse(`${serviceUntil}T00:00:00Z`) - Date.parse(`${moscowDate(now)}T00:00:00Z`)) / DAY_MS);
}
