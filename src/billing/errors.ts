import { codeTable, CodedError, type CodeOf } from '../domain/errors.js';

/** Failures of billing operations a caller can act on; the API maps each code onto its catalogue (same names). */
export const BillingErrorCodes = codeTable(
  'INSUFFICIENT_FUNDS',
  'IDEMPOTENCY_KEY_REUSED',
  'TARIFF_UNAVAILABLE',
  'ACTIVATION_CODE_USED',
  'REGISTER_WITHOUT_ORGANIZATION',
  'PAYMENT_PROVIDER_FAILED',
  'PAYMENT_NOT_REFUNDABLE',
  'PRODUCT_UNAVAILABLE',
);
export type BillingErrorCode = CodeOf<typeof BillingErrorCodes>;

export class BillingError extends CodedError<BillingErrorCode> {
  override readonly name = 'BillingError';
}

export function isBillingError(e: unknown): e is BillingError {
  return e instanceof BillingError;
}
