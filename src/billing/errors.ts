/** Failures of billing operations a caller can act on; the API maps each code onto its catalogue (same names). */
export const BillingErrorCodes = {
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  TARIFF_UNAVAILABLE: 'TARIFF_UNAVAILABLE',
  ACTIVATION_CODE_USED: 'ACTIVATION_CODE_USED',
  REGISTER_WITHOUT_ORGANIZATION: 'REGISTER_WITHOUT_ORGANIZATION',
  PAYMENT_PROVIDER_FAILED: 'PAYMENT_PROVIDER_FAILED',
  PAYMENT_NOT_REFUNDABLE: 'PAYMENT_NOT_REFUNDABLE',
  PRODUCT_UNAVAILABLE: 'PRODUCT_UNAVAILABLE',
} as const;
export type BillingErrorCode = (typeof BillingErrorCodes)[keyof typeof BillingErrorCodes];

export class BillingError extends Error {
  override readonly name = 'BillingError';
  constructor(
    readonly code: BillingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isBillingError(e: unknown): e is BillingError {
  return e instanceof BillingError;
}
