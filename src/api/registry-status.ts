/**
 * A register's connection status for the cabinet, and an FN's expiry forecast. Pure: the caller passes the clock.
 *
 * - needs_attention: something to act on — the FN asks to be replaced, is exhausted or full, was closed with no new FN
 *   after it, documents are missing (FD gaps), documents wait untransmitted in the FN, or the FN expires within 30 days;
 * - silent: nothing arrived for `silentAfterMs` (or ever);
 * - connected: otherwise.
 */
import type { FiscalDriveState } from '../db/api-registry.repository.js';
import type { Register } from '../db/tables/registry.js';

export const CONNECTION_STATUSES = ['connected', 'silent', 'needs_attention'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export const ATTENTION_REASONS = [
  'fn_replace_required',
  'fn_exhausted',
  'fn_memory_exceeded',
  'fn_closed',
  'fn_expiring',
  'fd_gaps',
  'not_transmitted',
  'deregistered',
] as const;
export type AttentionReason = (typeof ATTENTION_REASONS)[number];

export const FN_EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export interface FnForecast {
  /** Local date the FN's key validity ends (registration + the model's validity), when the model is known. */
  expiresOn: string | null;
  /** Local date the key resource (1213) the FN last reported runs out. */
  keyResourceEndsOn: string | null;
  /** Days from `now` to the nearer of the two; null when neither is known. */
  daysLeft: number | null;
}

/** 'YYYY-MM-DDTHH:mm:ss' local → the same wall-clock reading as a UTC instant (for date arithmetic only). */
function localToUtc(local: string): number {
  return Date.parse(`${local.slice(0, 19)}Z`);
}

function addMonthsUtc(ms: number, months: number): number {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

const dateOnly = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** `now` is read as Moscow wall-clock time, the zone most registers keep; a day either way does not change a forecast. */
export function fnForecast(d: FiscalDriveState, now: Date): FnForecast {
  const nowLocal = now.getTime() + 3 * 3600_000;
  const validity = d.registered_at !== null && d.validity_months !== null ? addMonthsUtc(localToUtc(d.registered_at), d.validity_months) : null;
  const keyEnd =
    d.key_resource_reported_at !== null && d.key_resource_days !== null ? localToUtc(d.key_resource_reported_at) + d.key_resource_days * DAY_MS : null;
  const ends = [validity, keyEnd].filter((x): x is number => x !== null);
  return {
    expiresOn: validity === null ? null : dateOnly(validity),
    keyResourceEndsOn: keyEnd === null ? null : dateOnly(keyEnd),
    daysLeft: ends.length === 0 ? null : Math.floor((Math.min(...ends) - nowLocal) / DAY_MS),
  };
}

export function fnAttention(d: FiscalDriveState, now: Date): AttentionReason[] {
  const reasons: AttentionReason[] = [];
  if (d.closed_at !== null) return reasons;
  if (d.replace_required_sign) reasons.push('fn_replace_required');
  if (d.exhaustion_sign) reasons.push('fn_exhausted');
  if (d.memory_exceeded_sign) reasons.push('fn_memory_exceeded');
  const days = fnForecast(d, now).daysLeft;
  if (days !== null && days <= FN_EXPIRY_WARNING_DAYS) reasons.push('fn_expiring');
  if (d.gap_count > 0) reasons.push('fd_gaps');
  if ((d.not_transmitted_count ?? 0) > 0) reasons.push('not_transmitted');
  return reasons;
}

/** The FN in use: the one heard from last among those not closed, else the last one heard from. */
export function currentDrive(drives: readonly FiscalDriveState[]): FiscalDriveState | undefined {
  const byLastHeard = [...drives].sort((a, b) => (b.last_received_at?.getTime() ?? 0) - (a.last_received_at?.getTime() ?? 0));
  return byLastHeard.find((d) => d.closed_at === null) ?? byLastHeard[0];
}

export interface RegisterConnection {
  status: ConnectionStatus;
  attention: AttentionReason[];
  lastReceivedAt: Date | null;
  currentFn: string | null;
}

export function registerConnection(register: Register, drives: readonly FiscalDriveState[], now: Date, silentAfterMs: number): RegisterConnection {
  const current = currentDrive(drives);
  const lastReceivedAt = drives.reduce<Date | null>(
    (max, d) => (d.last_received_at !== null && (max === null || d.last_received_at > max) ? d.last_received_at : max),
    null,
  );
  const attention = new Set<AttentionReason>();
  if (register.status === 'deregistered') attention.add('deregistered');
  if (current) {
    for (const r of fnAttention(current, now)) attention.add(r);
    if (current.closed_at !== null && register.status !== 'deregistered') attention.add('fn_closed');
  }
  const silent = lastReceivedAt === null || now.getTime() - lastReceivedAt.getTime() > silentAfterMs;
  const reasons = ATTENTION_REASONS.filter((r) => attention.has(r));
  return {
    status: reasons.length > 0 ? 'needs_attention' : silent ? 'silent' : 'connected',
    attention: reasons,
    lastReceivedAt,
    currentFn: current?.fn ?? null,
  };
}
