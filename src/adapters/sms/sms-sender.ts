import { codeTable, ExternalError, type CodedErrorOptions, type CodeOf } from '../../domain/errors.js';
/**
 * The SMS port (architecture decision 7): what the notify worker needs from an SMS gateway, whatever carries it.
 * Adapters: the HTTP client of the gateway contract below (http-sms-sender.ts) and its runnable fake (fake-sms-server.ts,
 * `ofd fake-sms --port N`).
 *
 * The HTTP contract of the SMS gateway (SMS_URL is its base URL; a token, when set, goes as `Authorization: Bearer …`):
 *
 *   POST {SMS_URL}/v1/messages
 *     headers: content-type: application/json, idempotency-key: <id>
 *     body:    { "id": "<client message id>", "to": "+7XXXXXXXXXX", "text": "…", "sender": "OFD" }
 *   202 { "id": "<client id>", "gatewayId": "<gateway's id>", "status": "accepted" }   accepted (a repeated id → the same answer)
 *   400 { "error": { "code": "INVALID_PHONE" | "BAD_REQUEST", "message": "…" } }      terminal: never retried
 *   401/403                                                                         terminal (configuration)
 *   429 (Retry-After) / 5xx / network errors                                        retryable
 */

export interface SmsMessage {
  /** Idempotency key: the same id is never delivered twice by the gateway. */
  readonly id: string;
  /** E.164, `+7XXXXXXXXXX`. */
  readonly to: string;
  readonly text: string;
}

export interface SmsSender {
  /** Resolves with the gateway's message id once accepted; rejects with SmsError otherwise. */
  send(message: SmsMessage): Promise<{ gatewayId: string }>;
  close(): Promise<void>;
}

export const SmsErrorCodes = codeTable('SMS_REJECTED', 'SMS_UNAVAILABLE', 'SMS_NOT_CONFIGURED');
export type SmsErrorCode = CodeOf<typeof SmsErrorCodes>;

export class SmsError extends ExternalError<SmsErrorCode> {
  override readonly name = 'SmsError';
  constructor(code: SmsErrorCode, message: string, retryable: boolean, readonly status?: number, options?: CodedErrorOptions) {
    super(code, message, retryable, options);
  }
}

/** `+7XXXXXXXXXX` from what registers write into 1008 (`+79161234567`, `79161234567`, `89161234567`, spaces, dashes). */
export function normalizePhone(raw: string): string | undefined {
  const digits = raw.replace(/[\s()-]/g, '');
  const m = /^(?:\+7|7|8)(\d{10})$/.exec(digits);
  if (m) return `+7${m[1]!}`;
  return /^\+\d{10,15}$/.test(digits) ? digits : undefined;
}
