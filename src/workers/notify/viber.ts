/**
 * Viber e-receipts with the SMS fallback real operators use (issue 17): the message goes to the Viber provider, then
 * the job asks for its delivery report every `statusPollMs` until `deliveryWaitMs` after the send (also the message's
 * TTL, so the provider gives up when we do), and when Viber does not deliver — no Viber on the phone, blocked, offline
 * past the TTL, or no report in time — the receipt goes by SMS instead.
 *
 * Between two questions the job waits in BullMQ's delayed set (receipt-sends.ts returns `deferred`), not in a worker's
 * slot: a receipt waiting up to two minutes for its report holds no concurrency that e-mails and SMS need. What the job
 * needs to go on is in the viber row of notify_deliveries (status `sending`, its updated_at the moment of the send) and
 * at the provider (the message id is the idempotency key: a send repeated after a crash is the same message).
 *
 * Costs: a Viber message takes one SMS from the package (or postpaid), like an SMS; a message Viber did not deliver is
 * given back, and the SMS of the fallback is charged on its own. The viber row of notify_deliveries ends `delivered`
 * or `fallback_sms` (its error says why), the sms row carries the fallback's own status.
 */
import { VIBER_DELIVERED, VIBER_FINAL_FAILURES, ViberError, type ViberSender, type ViberStatus } from '../../adapters/viber/viber-sender.js';

export interface ViberCascadeOptions {
  /** How often the delivery report is asked for. Default 2000 ms. */
  readonly statusPollMs?: number;
  /** How long Viber gets before the SMS goes (and the message's TTL, at least 60 s there). Default 120 000 ms. */
  readonly deliveryWaitMs?: number;
}

export const DEFAULT_VIBER_POLL_MS = 2000;
export const DEFAULT_VIBER_WAIT_MS = 120_000;

/** What the provider says of a message now. */
export type ViberReport =
  | { readonly kind: 'delivered'; readonly status: ViberStatus }
  /** Viber will not deliver: send the SMS. */
  | { readonly kind: 'not_delivered'; readonly code: string; readonly reason: string }
  /** Accepted, no final report yet (or the status call failed: the message may still arrive, only the report is late). */
  | { readonly kind: 'pending'; readonly error?: string }
  /** The provider never got it (a crash before it accepted the send): send it. */
  | { readonly kind: 'unknown' };

/** The TTL the provider is given for a wait. */
export function viberTtlSeconds(deliveryWaitMs: number): number {
  return Math.min(86_400, Math.max(60, Math.ceil(deliveryWaitMs / 1000)));
}

/** Asks the provider once for the delivery report of message `id`. */
export async function viberReport(viber: ViberSender, id: string): Promise<ViberReport> {
  try {
    const s = await viber.status(id);
    if (VIBER_DELIVERED.has(s.status)) return { kind: 'delivered', status: s.status };
    if (VIBER_FINAL_FAILURES.has(s.status)) {
      return { kind: 'not_delivered', code: s.status === 'expired' ? 'VIBER_EXPIRED' : 'VIBER_UNDELIVERED', reason: s.reason ?? s.status };
    }
    return { kind: 'pending' };
  } catch (e) {
    if (e instanceof ViberError && e.status === 404) return { kind: 'unknown' };
    return { kind: 'pending', error: (e as Error).message };
  }
}

/** A pending report past the wait: not delivered as far as we are concerned (the SMS goes). */
export function noReportInTime(report: { readonly error?: string }): Extract<ViberReport, { kind: 'not_delivered' }> {
  return { kind: 'not_delivered', code: 'VIBER_NO_REPORT', reason: report.error ? `no delivery report in time: ${report.error}` : 'no delivery report in time' };
}
