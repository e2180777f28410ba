// What the /api/v1 routes share: built once by buildApp from its deps.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { EmailSender } from '../adapters/email/email-sender.js';
import type { PaymentProvider } from '../adapters/payments/payment-provider.js';
import type { OperatorRequisites } from '../config.js';
import type { UnpaidPolicy } from '../billing/unpaid-policy.js';
import type { Database } from '../db/database.js';
import type { TrustAnchors, VerifyOptions } from '../adapters/signature/verify-signed.js';
import type { CounterStore } from './counters.js';

export interface ApiContext {
  readonly db: Kysely<Database>;
  /** Undefined: no SMTP configured — nothing is e-mailed, and answers must not say it was. */
  readonly email: EmailSender | undefined;
  /** development: links that could not be e-mailed are logged at info; production: never. */
  readonly mode: 'production' | 'development';
  /** Base URL for links in e-mails, without a trailing slash; never taken from a request. */
  readonly publicUrl: string;
  /** OFD_OPERATOR_EMAILS (lower-case): the operator's staff in the cabinet (auth/staff.ts). */
  readonly operatorEmails: ReadonlySet<string>;
  /** Counters shared by every API process (Redis), or this process's memory. */
  readonly counters: CounterStore;
  readonly webhookAllowHosts: readonly string[];
  readonly receiptSendsPerHour: number;
  /** Days a finished export's file is kept for download (OFD_EXPORT_RETENTION_DAYS). */
  readonly exportRetentionDays: number;
  readonly loginLockout: { readonly maxFailures: number; readonly windowMs: number; readonly baseLockMs: number };
  readonly sessionTtlSeconds: number;
  readonly authRateLimit: { readonly max: number; readonly timeWindowMs: number };
  readonly registerSilentAfterMs: number;
  /** KKT registration applications and sign-in with an electronic signature (issue 18). */
  readonly kktRegistration: KktRegistrationContext;
  /** Onboarding (issue 16): what the cabinet tells customers to type into their registers, and invitation limits. */
  readonly onboarding: OnboardingSettings;
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

export interface KktRegistrationContext {
  /** The accredited CAs and their CRLs (OFD_SIGNATURE_CA_FILE, OFD_SIGNATURE_CRL_DIR). */
  readonly trust: () => TrustAnchors;
  readonly verifyOptions: VerifyOptions;
  /** Queues an application's next step on `fns-kkt`; absent: the worker's sweep picks it up. */
  readonly enqueue: ((applicationId: number, status: string) => Promise<void>) | undefined;
  /** The operator, the sender of the application files (ИдФайл). */
  readonly operatorInn: string;
  readonly operatorKpp: string;
  readonly operatorName: string;
  /** How long a sign-in challenge may be signed. */
  readonly challengeTtlSeconds: number;
}

export interface OnboardingSettings {
  /** `host:port` of the gateway as registers reach it; undefined: the request's host and `gatewayPort`. */
  readonly gatewayPublicAddress: string | undefined;
  readonly gatewayPort: number;
  /** The operator's INN (OFD_INN). */
  readonly operatorInn: string;
  /** Invitation e-mails per inviting user. */
  readonly invitationRateLimit: { readonly max: number; readonly timeWindowMs: number };
  readonly invitationTtlMs: number;
}

/** The fastify instance a route plugin receives: zod schemas type each handler's request. */
export type ApiApp = Parameters<FastifyPluginAsyncZod>[0];
