/**
 * Viber e-receipts with the SMS fallback real operators use (issue 17): the message goes to the Viber provider, the
 * job waits for its delivery report (polling, at most `deliveryWaitMs`, which is also the message's TTL, so the
 * provider gives up when we do), and when Viber does not deliver — no Viber on the phone, blocked, offline past the
 * TTL, or no report in time — the receipt goes by SMS instead.
 *
 * Costs: a Viber message takes one SMS from the package (or postpaid), like an SMS; a message Viber did not deliver is
 * given back, and the SMS of the fallback is charged on its own. The viber row of notify_deliveries ends `delivered`
 * or `fallback_sms` (its error says why), the sms row carries the fallback's own status.
 */
import { VIBER_DELIVERED, VIBER_FINAL_FAILURES, type ViberSender, type ViberStatus } from '../../adapters/viber/viber-sender.js';

export interface ViberCascadeOptions {
  /** How often the delivery report is asked for. Default 2000 ms. */
  readonly statusPollMs?: number;
  /** How long Viber gets before the SMS goes (and the message's TTL, at least 60 s there). Default 120 000 ms. */
  readonly deliveryWaitMs?: number;
}

export type ViberOutcome =
  | { readonly kind: 'delivered'; readonly status: ViberStatus }
  /** Viber will not deliver: send the SMS. */
  | { readonly kind: 'not_delivered'; readonly code: string; readonly reason: string };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The TTL the provider is given for a wait. */
export function viberTtlSeconds(deliveryWaitMs: number): number {
  return Math.min(86_400, Math.max(60, Math.ceil(deliveryWaitMs / 1000)));
}

/**
 * Waits for the delivery report of an accepted message. Errors of the status call are retried until the wait is over
 * (the message may still arrive; only the report is late) and then count as not delivered.
 */
export async function awaitViberDelivery(viber: ViberSender, id: string, options: ViberCascadeOptions = {}): Promise<ViberOutcome> {
  const poll = options.statusPollMs ?? 2000;
  const deadline = Date.now() + (options.deliveryWaitMs ?? 120_000);
  let lastError = '';
  for (;;) {
    try {
      const s = await viber.status(id);
      if (VIBER_DELIVERED.has(s.status)) return { kind: 'delivered', status: s.status };
      if (VIBER_FINAL_FAILURES.has(s.status)) {
        return { kind: 'not_delivered', code: s.status === 'expired' ? 'VIBER_EXPIRED' : 'VIBER_UNDELIVERED', reason: s.reason ?? s.status };
      }
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() + poll > deadline) {
      return { kind: 'not_delivered', code: 'VIBER_NO_REPORT', reason: lastError === '' ? 'no delivery report in time' : `no delivery report in time: ${lastError}` };
    }
    await sleep(poll);
  }
}
