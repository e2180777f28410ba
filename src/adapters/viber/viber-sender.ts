import { codeTable, ExternalError, type CodedErrorOptions, type CodeOf } from '../../domain/errors.js';
/**
 * The Viber port (architecture decision 7): business messages through an aggregator, the way Russian operators send
 * e-receipts to Viber. Unlike SMS, acceptance is not delivery: the provider reports later whether the phone got it
 * (it may not have Viber, may have blocked the sender, or stay offline until the message's TTL runs out) — and then the
 * receipt goes by SMS instead. Adapters: http-viber-sender.ts and its runnable fake (fake-viber-server.ts,
 * `ofd fake-viber --port N`).
 *
 * The HTTP contract (VIBER_URL is the base URL; a token, when set, goes as `Authorization: Bearer …`):
 *
 *   POST {VIBER_URL}/v1/viber/messages
 *     headers: content-type: application/json, idempotency-key: <id>
 *     body:    { "id": "<client id>", "to": "+7XXXXXXXXXX", "sender": "OFD", "text": "…",
 *                "button": { "caption": "…", "url": "https://…" }?, "ttlSeconds": 60…86400 }
 *   202 { "id", "providerId", "status": "accepted" }                  (a repeated id → the same answer)
 *   400 { "error": { "code": "INVALID_PHONE" | "BAD_REQUEST", … } }   terminal
 *   401/403                                                          terminal (configuration)
 *   429 / 5xx / network errors                                       retryable
 *
 *   GET {VIBER_URL}/v1/viber/messages/{id}
 *   200 { "id", "status": "accepted" | "delivered" | "seen" | "undelivered" | "expired", "reason"?: "NOT_VIBER_USER" | "BLOCKED" | … }
 *   404 unknown id
 */

export interface ViberMessage {
  /** Idempotency key: the provider never delivers one id twice. */
  readonly id: string;
  /** E.164. */
  readonly to: string;
  readonly text: string;
  /** A button under the text (the receipt's link). */
  readonly button?: { readonly caption: string; readonly url: string };
  /** How long the provider keeps trying before it reports `expired`. */
  readonly ttlSeconds: number;
}

export type ViberStatus = 'accepted' | 'delivered' | 'seen' | 'undelivered' | 'expired';
export const VIBER_FINAL_FAILURES: ReadonlySet<ViberStatus> = new Set(['undelivered', 'expired']);
export const VIBER_DELIVERED: ReadonlySet<ViberStatus> = new Set(['delivered', 'seen']);

export interface ViberSender {
  /** Resolves once the provider accepted the message; rejects with ViberError otherwise. */
  send(message: ViberMessage): Promise<{ providerId: string }>;
  /** What the provider knows about a message now. */
  status(id: string): Promise<{ status: ViberStatus; reason?: string }>;
  close(): Promise<void>;
}

export const ViberErrorCodes = codeTable('VIBER_REJECTED', 'VIBER_UNAVAILABLE');
export type ViberErrorCode = CodeOf<typeof ViberErrorCodes>;

export class ViberError extends ExternalError<ViberErrorCode> {
  override readonly name = 'ViberError';
  constructor(code: ViberErrorCode, message: string, retryable: boolean, readonly status?: number, options?: CodedErrorOptions) {
    super(code, message, retryable, options);
  }
}
