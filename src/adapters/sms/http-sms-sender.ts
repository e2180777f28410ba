/** The HTTP adapter of the SMS port (contract in sms-sender.ts): an undici keep-alive pool with timeouts. */
import { Pool } from 'undici';
import { SmsError, SmsErrorCodes, type SmsSender } from './sms-sender.js';

export interface HttpSmsSenderOptions {
  /** SMS_URL: the gateway's base URL. */
  readonly url: string;
  readonly token?: string;
  /** Sender name shown on the phone. Default `OFD`. */
  readonly sender?: string;
  /** Header and body timeouts, ms. Default 10 000. */
  readonly timeoutMs?: number;
}

export function createHttpSmsSender(options: HttpSmsSenderOptions): SmsSender {
  const base = new URL(options.url);
  const path = `${base.pathname.replace(/\/+$/, '')}/v1/messages`;
  const timeout = options.timeoutMs ?? 10_000;
  const pool = new Pool(base.origin, { connections: 16, headersTimeout: timeout, bodyTimeout: timeout });
  return {
    async send(message) {
      let statusCode: number;
      let text: string;
      try {
        const res = await pool.request({
          method: 'POST',
          path,
          headers: {
            'content-type': 'application/json',
            'idempotency-key': message.id,
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
          body: JSON.stringify({ id: message.id, to: message.to, text: message.text, sender: options.sender ?? 'OFD' }),
          signal: AbortSignal.timeout(timeout),
        });
        statusCode = res.statusCode;
        text = await res.body.text();
      } catch (e) {
        throw new SmsError(SmsErrorCodes.SMS_UNAVAILABLE, `SMS gateway: ${(e as Error).message}`, true, undefined, { cause: e });
      }
      if (statusCode >= 200 && statusCode < 300) {
        let gatewayId = message.id;
        try {
          const body = JSON.parse(text) as { gatewayId?: unknown };
          if (typeof body.gatewayId === 'string') gatewayId = body.gatewayId;
        } catch {
          // an answer without a body is still an acceptance
        }
        return { gatewayId };
      }
      const retryable = statusCode === 429 || statusCode >= 500 || statusCode === 408;
      throw new SmsError(
        retryable ? SmsErrorCodes.SMS_UNAVAILABLE : SmsErrorCodes.SMS_REJECTED,
        `SMS gateway answered ${statusCode}: ${text.slice(0, 300)}`,
        retryable,
        statusCode,
      );
    },
    async close() {
      await pool.close();
    },
  };
}
