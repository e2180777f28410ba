/**
 * Paid periods (issues 7 and 17): the OFD service of a register (its last day served under the contract) and the
 * branded e-receipt service of an organization (an instant it ends at), and how many days are left of them. Pure: the
 * caller passes the clock.
 */
import { MOSCOW_UTC_OFFSET_MINUTES } from './local-time.js';

/** Reminders before a paid period ends fire at these many days left (`ofd.expiring`, `branding.expiring`). */
export const PAID_PERIOD_THRESHOLDS_DAYS = [30, 7, 1] as const;

const DAY_MS = 86_400_000;
/** Contracts are dated in Moscow, the zone the cabinet shows; a fixed offset (Russia keeps no DST). */
const MOSCOW_OFFSET_MS = MOSCOW_UTC_OFFSET_MINUTES * 60_000;

/** Today's date in Moscow, `YYYY-MM-DD`. */
export function moscowDate(now: Date): string {
  return new Date(now.getTime() + MOSCOW_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant a Moscow day (`YYYY-MM-DD`) starts, plus `days` whole days. */
export function moscowDayStart(day: string, days = 0): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - MOSCOW_OFFSET_MS + days * DAY_MS);
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

/** How long after the branded service ended it is still told about (the `ended` e-mail, the cabinet's banner). */
export const BRANDED_ENDED_NOTICE_DAYS = 7;

/**
 * Where a period ending at the instant `endsAt` stands at `now`: its last Moscow day, whole days left to it (0 on
 * that day), whether it has ended, and whether that is still news (ended at most BRANDED_ENDED_NOTICE_DAYS ago).
 */
export function periodStanding(endsAt: Date, now: Date): { lastDay: string; daysLeft: number; ended: boolean; endedRecently: boolean } {
  const lastDay = lastPaidDay(endsAt);
  const ended = endsAt.getTime() <= now.getTime();
  const endedRecently = ended && now.getTime() - endsAt.getTime() <= BRANDED_ENDED_NOTICE_DAYS * DAY_MS;
  return { lastDay, daysLeft: ofdServiceDaysLeft(lastDay, now), ended, endedRecently };
}

/** The thresholds of PAID_PERIOD_THRESHOLDS_DAYS that `daysLeft` is within, widest first. */
export function thresholdsWithin(daysLeft: number): number[] {
  return PAID_PERIOD_THRESHOLDS_DAYS.filter((days) => daysLeft <= days);
}
