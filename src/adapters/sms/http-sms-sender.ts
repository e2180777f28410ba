/** The HTTP adapter of the SMS port (contract in sms-sender.ts): an undici keep-alive pool with timeouts. */
import { answerFailure, answerString, bearer, createProviderClient } from '../http/provider-client.js';
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
  const client = createProviderClient({
    url: options.url,
    timeoutMs: options.timeoutMs ?? 10_000,
    connections: 16,
    unavailable: (e) => new SmsError(SmsErrorCodes.SMS_UNAVAILABLE, `SMS gateway: ${(e as Error).message}`, true, undefined, { cause: e }),
  });
  return {
    async send(message) {
      const answer = await client.request({
        method: 'POST',
        path: '/v1/messages',
        headers: { 'idempotency-key': message.id, ...bearer(options.token) },
        json: { id: message.id, to: message.to, text: message.text, sender: options.sender ?? 'OFD' },
      });
      // An answer without a body is still an acceptance.
      if (answer.statusCode >= 200 && answer.statusCode < 300) return { gatewayId: answerString(answer.text, 'gatewayId', message.id) };
      const { retryable, message: why } = answerFailure('SMS gateway', answer);
      throw new SmsError(retryable ? SmsErrorCodes.SMS_UNAVAILABLE : SmsErrorCodes.SMS_REJECTED, why, retryable, answer.statusCode);
    },
    close: () => client.close(),
  };
}
