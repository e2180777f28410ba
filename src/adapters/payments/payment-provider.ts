/**
 * The card payment provider port (issue 17). The contract, modelled on the Russian acquirers' REST APIs:
 *
 *   createPayment → the provider's payment (pending) with a confirmationUrl the buyer is redirected to;
 *   the outcome arrives later as a signed webhook (`payment.succeeded`, `payment.declined`, `refund.succeeded`) that
 *   carries the payment's whole state, so callbacks can be applied in any order and any number of times;
 *   refund → a refund of part or all of a succeeded payment.
 *
 * Every call carries an Idempotence-Key, so a retried call never creates a second payment or refund.
 */
import { ExternalError, type CodeOf } from '../../domain/errors.js';
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ProviderPayment {
  readonly id: string;
  readonly status: 'pending' | 'succeeded' | 'declined';
  readonly amount: number;
  readonly refundedAmount: number;
  readonly orderId: string;
  readonly confirmationUrl?: string;
}

export interface ProviderRefund {
  readonly id: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly reference: string;
  readonly status: 'succeeded' | 'failed';
}

export interface CreatePayment {
  readonly orderId: string;
  /** Kopecks. */
  readonly amount: number;
  readonly description: string;
  readonly returnUrl: string;
}

export interface PaymentProvider {
  createPayment(p: CreatePayment): Promise<ProviderPayment>;
  refund(paymentId: string, r: { amount: number; reference: string }): Promise<ProviderRefund>;
  close(): Promise<void>;
}

export const PaymentErrorCodes = {
  /** No answer, a timeout or a 5xx: the call may be repeated with the same key. */
  PAY_UNAVAILABLE: 'PAY_UNAVAILABLE',
  /** The provider refused the request (4xx). */
  PAY_REJECTED: 'PAY_REJECTED',
} as const;

export class PaymentError extends ExternalError<CodeOf<typeof PaymentErrorCodes>> {
  override readonly name = 'PaymentError';
}

/** A webhook as the provider sends it. */
export interface PaymentWebhook {
  readonly eventId: string;
  readonly event: 'payment.succeeded' | 'payment.declined' | 'refund.succeeded';
  readonly payment: ProviderPayment;
  readonly refund?: ProviderRefund;
}

/** Checks `X-Signature: sha256=<hex>` over the raw body in constant time. */
export function webhookSignatureValid(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (header === undefined || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
