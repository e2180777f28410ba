/**
 * A register's connection status for the cabinet, and an FN's expiry forecast. Pure: the caller passes the clock.
 *
 * - needs_attention: something to act on — the FN asks to be replaced, is exhausted or full, was closed with no new FN
 *   after it, documents are missing (FD gaps), documents wait untransmitted in the FN, or the FN expires within 30 days;
 * - silent: nothing arrived for `silentAfterMs` (or ever);
 * - connected: otherwise.
 */
import { fnEndDate, type FnDriveFacts, type FnEndReason, type ValidityBasis } from './fn-end-date.js';

/** What of an FN's state the status needs (src/db/api-registry.repository.ts's FiscalDriveState fits). */
export interface DriveState extends FnDriveFacts {
  readonly fn: string;
  readonly closed_at: string | null;
  /** received_at of its highest FD: when we last heard from it. */
  readonly last_received_at: Date | null;
  readonly gap_count: number;
  readonly not_transmitted_count: number | null;
}

/** What of a register the status needs (a registers row fits). */
export interface RegisterState {
  readonly status: string;
}

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

/** The FN's end date and its reason (src/domain/fn-end-date.ts: the one rule the report and the notifications use too). */
export interface FnForecast {
  /** Registration + the FN's validity (from its registration report, else the shortest assumed). */
  expiresOn: string | null;
  /** The key resource (1213) the FN last reported runs out. */
  keyResourceEndsOn: string | null;
  /** The archive fills at the rate so far. */
  fullOn: string | null;
  validityMonths: number;
  validityBasis: ValidityBasis;
  /** The earliest of the above (today when the FN signals replacement). */
  replaceBy: string | null;
  reason: FnEndReason | null;
  reasonText: string | null;
  /** Days from today (Moscow) to replaceBy; null when nothing is known. */
  daysLeft: number | null;
}

export function fnForecast(d: DriveState, now: Date): FnForecast {
  const e = fnEndDate(d, now);
  return {
    expiresOn: e.validityEndsOn,
    keyResourceEndsOn: e.keyResourceEndsOn,
    fullOn: e.fullOn,
    validityMonths: e.validityMonths,
    validityBasis: e.validityBasis,
    replaceBy: e.replaceBy,
    reason: e.reason,
    reasonText: e.reasonText,
    daysLeft: e.daysLeft,
  };
}

export function fnAttention(d: DriveState, now: Date): AttentionReason[] {
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
export function currentDrive<D extends DriveState>(drives: readonly D[]): D | undefined {
  const byLastHeard = [...drives].sort((a, b) => (b.last_received_at?.getTime() ?? 0) - (a.last_received_at?.getTime() ?? 0));
  return byLastHeard.find((d) => d.closed_at === null) ?? byLastHeard[0];
}

export interface RegisterConnection {
  status: ConnectionStatus;
  attention: AttentionReason[];
  lastReceivedAt: Date | null;
  currentFn: string | null;
}

export function registerConnection(register: RegisterState, drives: readonly DriveState[], now: Date, silentAfterMs: number): RegisterConnection {
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
