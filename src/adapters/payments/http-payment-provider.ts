/** The HTTP adapter of the payment provider port (contract in payment-provider.ts): an undici pool with timeouts. */
import { Pool } from 'undici';
import { PaymentError, type PaymentProvider, type ProviderPayment, type ProviderRefund } from './payment-provider.js';

export interface HttpPaymentProviderOptions {
  /** OFD_PAY_URL: the provider's base URL. */
  readonly url: string;
  /** OFD_PAY_SECRET: the API key (and the webhooks' HMAC secret). */
  readonly secret: string;
  /** Header and body timeouts, ms. Default 10 000. */
  readonly timeoutMs?: number;
}

export function createHttpPaymentProvider(options: HttpPaymentProviderOptions): PaymentProvider {
  const base = new URL(options.url);
  const prefix = `${base.pathname.replace(/\/+$/, '')}/v1/payments`;
  const timeout = options.timeoutMs ?? 10_000;
  const pool = new Pool(base.origin, { connections: 8, headersTimeout: timeout, bodyTimeout: timeout });

  async function call<T>(path: string, idempotenceKey: string, body: unknown): Promise<T> {
    let statusCode: number;
    let text: string;
    try {
      const res = await pool.request({
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.secret}`, 'idempotence-key': idempotenceKey },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeout),
      });
      statusCode = res.statusCode;
      text = await res.body.text();
    } catch (e) {
      throw new PaymentError('PAY_UNAVAILABLE', `payment provider: ${(e as Error).message}`, true, { cause: e });
    }
    if (statusCode >= 200 && statusCode < 300) return JSON.parse(text) as T;
    const retryable = statusCode === 429 || statusCode >= 500 || statusCode === 408;
    throw new PaymentError(retryable ? 'PAY_UNAVAILABLE' : 'PAY_REJECTED', `payment provider answered ${statusCode}: ${text.slice(0, 300)}`, retryable);
  }

  return {
    createPayment: (p) => call<ProviderPayment>(prefix, `create-${p.orderId}`, p),
    refund: (paymentId, r) => call<ProviderRefund>(`${prefix}/${encodeURIComponent(paymentId)}/refunds`, `refund-${r.reference}`, r),
    async close() {
      await pool.close();
    },
  };
}
