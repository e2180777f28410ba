/**
 * When an FN (фискальный накопитель) has to be replaced, and why: the ONE place that decides it. The `fn-schedule`
 * report, the register and fiscal-drive API, the `fn.expiring` notification and the cabinet all call `fnEndDate`, so
 * they cannot name different dates (issue 15: the report assumed 15 months for every FN and ignored tag 1213 while the
 * API and the notifications used it).
 *
 * Candidates, each with its reason; the earliest wins:
 *   - validity      registration + the FN's validity in months (13, 15 or 36): from the registration report's key
 *                   resource (1213, `validityMonthsFromKeyResource`) as written to fiscal_drives.validity_months, else
 *                   assumed to be the shortest, 13 months — assuming longer is how a 13-month FN expired unnoticed;
 *   - key_resource  the key resource (1213, days) the FN last reported, counted from that report's date;
 *   - archive_fill  when the archive fills at the FN's rate so far (FD numbers per day since registration);
 *   - fn_signal     the FN itself asks for replacement (exhausted, replace required, memory full): replace today.
 * Pure: the caller passes the clock. Dates are the register's local calendar days (`YYYY-MM-DD`); "today" is Moscow's.
 */
import { moscowDate } from './ofd-service.js';

/** Validities FN models are made with, months. */
export const FN_VALIDITY_MONTHS = [13, 15, 36] as const;
/** Assumed when the registration report did not tell (FFD 1.0 has no 1213): the shortest, so nothing expires unseen. */
export const FN_ASSUMED_VALIDITY_MONTHS = 13;
/** Assumed document capacity of an FN archive when forecasting its fill (the FFD does not report it). */
export const FN_DOCUMENT_CAPACITY = 250_000;

export const FN_END_REASONS = ['fn_signal', 'archive_fill', 'key_resource', 'validity'] as const;
export type FnEndReason = (typeof FN_END_REASONS)[number];
export type ValidityBasis = 'registration' | 'assumed';

/** What of fiscal_drives the decision needs (a FiscalDriveState or a report row fits). */
export interface FnDriveFacts {
  readonly registered_at: string | null;
  readonly validity_months: number | null;
  readonly key_resource_days: number | null;
  readonly key_resource_reported_at: string | null;
  readonly last_fd: number | null;
  readonly last_document_at: string | null;
  readonly exhaustion_sign: boolean | null;
  readonly replace_required_sign: boolean | null;
  readonly memory_exceeded_sign: boolean | null;
}

export interface FnEndCandidate {
  readonly reason: FnEndReason;
  readonly date: string;
}

export interface FnEndDate {
  /** The date to replace the FN by (the earliest candidate); null when nothing is known (no registration seen). */
  readonly replaceBy: string | null;
  readonly reason: FnEndReason | null;
  /** The reason in Russian, for the cabinet, the exports and the e-mails. */
  readonly reasonText: string | null;
  /** Days from today (Moscow) to replaceBy: 0 on the day, negative once passed. */
  readonly daysLeft: number | null;
  readonly validityMonths: number;
  readonly validityBasis: ValidityBasis;
  /** Registration + validity. */
  readonly validityEndsOn: string | null;
  /** The last reported key resource (1213) runs out. */
  readonly keyResourceEndsOn: string | null;
  /** The archive fills at the rate so far. */
  readonly fullOn: string | null;
  readonly fillPercent: number | null;
  /** Every known date with its reason, earliest first. */
  readonly candidates: readonly FnEndCandidate[];
}

const DAY_MS = 86_400_000;
const AVERAGE_MONTH_DAYS = 365.25 / 12;

/**
 * The FN's validity from the key resource (1213, days) in its registration report: a new FN reports the days its keys
 * last, so the nearest of 13, 15 and 36 months is its model's. Null when absent or implausible (0, or beyond 40 months).
 * An FN re-registered late in its life reports fewer days: then the nearest model rounds down, never past its real end,
 * and the key_resource candidate (counted from the same report) is the binding one anyway.
 */
export function validityMonthsFromKeyResource(days: number | null): number | null {
  if (days === null || !Number.isFinite(days) || days <= 0 || days > 40 * AVERAGE_MONTH_DAYS) return null;
  const months = days / AVERAGE_MONTH_DAYS;
  let best: number = FN_VALIDITY_MONTHS[0];
  for (const m of FN_VALIDITY_MONTHS) if (Math.abs(m - months) < Math.abs(best - months)) best = m;
  return best;
}

/** Local 'YYYY-MM-DDTHH:mm:ss' (or a date) → its calendar day as a UTC-midnight instant (date arithmetic only). */
function dayOf(local: string): number {
  return Date.parse(`${local.slice(0, 10)}T00:00:00Z`);
}
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Calendar months added; the 31st of a shorter month clamps to its last day (as the FN counts months). */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = day.slice(0, 10).split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return iso(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, last)));
}

function fullOn(f: FnDriveFacts): string | null {
  if (f.registered_at === null || f.last_document_at === null || f.last_fd === null || f.last_fd <= 0) return null;
  const days = (Date.parse(`${f.last_document_at.slice(0, 19)}Z`) - Date.parse(`${f.registered_at.slice(0, 19)}Z`)) / DAY_MS;
  if (days <= 0) return null;
  const perDay = f.last_fd / days;
  const left = Math.max(0, FN_DOCUMENT_CAPACITY - f.last_fd);
  return iso(dayOf(f.last_document_at) + Math.floor(left / perDay) * DAY_MS);
}

export function reasonText(reason: FnEndReason, validityMonths: number, basis: ValidityBasis): string {
  switch (reason) {
    case 'fn_signal':
      return 'ФН требует замены (признак ФН)';
    case 'archive_fill':
      return 'заполнение архива ФН';
    case 'key_resource':
      return 'ресурс ключей ФП по данным ФН (тег 1213)';
    case 'validity':
      return basis === 'registration'
        ? `срок действия ФН ${validityMonths} мес (по отчёту о регистрации)`
        : `срок действия ФН не сообщён: принят наименьший, ${validityMonths} мес`;
  }
}

export function fnEndDate(f: FnDriveFacts, now: Date): FnEndDate {
  const validityMonths = f.validity_months ?? FN_ASSUMED_VALIDITY_MONTHS;
  const validityBasis: ValidityBasis = f.validity_months === null ? 'assumed' : 'registration';
  const validityEndsOn = f.registered_at === null ? null : addMonths(f.registered_at, validityMonths);
  const keyResourceEndsOn =
    f.key_resource_reported_at === null || f.key_resource_days === null ? null : iso(dayOf(f.key_resource_reported_at) + f.key_resource_days * DAY_MS);
  const full = fullOn(f);
  const today = moscowDate(now);
  const candidates: FnEndCandidate[] = [];
  if (f.replace_required_sign || f.exhaustion_sign || f.memory_exceeded_sign) candidates.push({ reason: 'fn_signal', date: today });
  if (full !== null) candidates.push({ reason: 'archive_fill', date: full });
  if (keyResourceEndsOn !== null) candidates.push({ reason: 'key_resource', date: keyResourceEndsOn });
  if (validityEndsOn !== null) candidates.push({ reason: 'validity', date: validityEndsOn });
  // Stable by FN_END_REASONS order on equal dates: a signal, then the FN's own figures, then the model's.
  candidates.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : FN_END_REASONS.indexOf(a.reason) - FN_END_REASONS.indexOf(b.reason)));
  const first = candidates[0];
  return {
    replaceBy: first?.date ?? null,
    reason: first?.reason ?? null,
    reasonText: first ? reasonText(first.reason, validityMonths, validityBasis) : null,
    daysLeft: first ? Math.round((dayOf(first.date) - dayOf(today)) / DAY_MS) : null,
    validityMonths,
    validityBasis,
    validityEndsOn,
    keyResourceEndsOn,
    fullOn: full,
    fillPercent: f.last_fd === null ? null : Number(((f.last_fd / FN_DOCUMENT_CAPACITY) * 100).toFixed(2)),
    candidates,
  };
}
