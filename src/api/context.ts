// What the /api/v1 routes share: built once by buildApp from its deps.
import type { Kysely } from 'kysely';
import type { EmailSender } from '../adapters/email/email-sender.js';
import type { PaymentProvider } from '../adapters/payments/payment-provider.js';
import type { OperatorRequisites } from '../config.js';
import type { UnpaidPolicy } from '../billing/unpaid-policy.js';
import type { Database } from '../db/database.js';

export interface ApiContext {
  readonly db: Kysely<Database>;
  readonly email: EmailSender;
  /** Base URL for links in e-mails, without a trailing slash; undefined: taken from the request. */
  readonly publicUrl: string | undefined;
  readonly sessionTtlSeconds: number;
  readonly authRateLimit: { readonly max: number; readonly timeWindowMs: number };
  readonly registerSilentAfterMs: number;
  /** OFD_UNPAID_POLICY: what happens to registers whose paid service is over. */
  readonly unpaidPolicy: UnpaidPolicy;
  /** The card payment provider (OFD_PAY_URL); undefined: card top-ups answer PAYMENTS_NOT_CONFIGURED. */
  readonly payments: PaymentProvider | undefined;
  /** OFD_PAY_SECRET: the HMAC secret of the provider's callbacks. */
  readonly paymentWebhookSecret: string | undefined;
  /** OFD_REQUISITES and OFD_PDF_FONT: invoices and acts. */
  readonly requisites: OperatorRequisites;
  readonly pdfFont: string;
}
