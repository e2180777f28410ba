/** The HTTP adapter of the payment provider port (contract in payment-provider.ts): an undici pool with timeouts. */
import { answerFailure, bearer, createProviderClient } from '../http/provider-client.js';
import { PaymentError, type PaymentProvider, type ProviderPayment, type ProviderRefund } from './payment-provider.js';

export interface HttpPaymentProviderOptions {
  /** OFD_PAY_URL: the provider's base URL. */
  readonly url: string;
  /** OFD_PAY_SECRET: the API key (and the webhooks' HMAC secret). */
  readonly secret: string;
  /** Header and body timeouts, ms. Default 10 000. */
  readonly timeoutMs?: number;
}

const PAYMENTS = '/v1/payments';

export function createHttpPaymentProvider(options: HttpPaymentProviderOptions): PaymentProvider {
  const client = createProviderClient({
    url: options.url,
    timeoutMs: options.timeoutMs ?? 10_000,
    connections: 8,
    unavailable: (e) => new PaymentError('PAY_UNAVAILABLE', `payment provider: ${(e as Error).message}`, true, { cause: e }),
  });

  async function call<T>(path: string, idempotenceKey: string, body: unknown): Promise<T> {
    const answer = await client.request({ method: 'POST', path, headers: { ...bearer(options.secret), 'idempotence-key': idempotenceKey }, json: body });
    if (answer.statusCode >= 200 && answer.statusCode < 300) return JSON.parse(answer.text) as T;
    const { retryable, message } = answerFailure('payment provider', answer);
    throw new PaymentError(retryable ? 'PAY_UNAVAILABLE' : 'PAY_REJECTED', message, retryable);
  }

  return {
    createPayment: (p) => call<ProviderPayment>(PAYMENTS, `create-${p.orderId}`, p),
    refund: (paymentId, r) => call<ProviderRefund>(`${PAYMENTS}/${encodeURIComponent(paymentId)}/refunds`, `refund-${r.reference}`, r),
    close: () => client.close(),
  };
}
