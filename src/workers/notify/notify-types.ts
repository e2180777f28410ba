/** The notify processor's contract (receipts.processor.ts): what it takes, what it returns. */
import type { Kysely } from 'kysely';
import type { EmailSender } from '../../adapters/email/email-sender.js';
import type { SmsSender } from '../../adapters/sms/sms-sender.js';
import type { ViberSender } from '../../adapters/viber/viber-sender.js';
import type { Database } from '../../db/database.js';
import type { NotifyDeliveryStatus } from '../../db/notify.repository.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { JobRef } from '../shared/job-ref.js';
import type { ViberCascadeOptions } from './viber.js';
import { CodedError } from '../../domain/errors.js';

export type NotifyJobRef = JobRef;

export type NotifyOutcome =
  | { readonly kind: 'done'; readonly status: NotifyDeliveryStatus | 'skipped' | 'rearmed' }
  /** Ask again in `delayMs` (a Viber delivery report): the job waits in BullMQ's delayed set, no attempt used. */
  | { readonly kind: 'deferred'; readonly delayMs: number; readonly reason: string }
  | { readonly kind: 'retry'; readonly error: NotifyError }
  | { readonly kind: 'dead'; readonly error: NotifyError };

export class NotifyError extends CodedError<string> {
  override readonly name = 'NotifyError';
}

export interface NotifyProcessorDeps {
  readonly db: Kysely<Database>;
  /** Absent: e-mail receipts end as failed (NOTIFY_EMAIL_NOT_CONFIGURED). */
  readonly email?: EmailSender;
  /** Absent: SMS receipts end as failed (NOTIFY_SMS_NOT_CONFIGURED). */
  readonly sms?: SmsSender;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Absent: Viber receipts go by SMS at once (the viber row says VIBER_NOT_CONFIGURED). */
  readonly viber?: ViberSender;
  readonly viberOptions?: ViberCascadeOptions;
  /** OFD_PUBLIC_URL without a trailing slash: SMS and Viber carry a short link to the receipt page there, e-mails a link. */
  readonly receiptPageUrl?: string;
  /** How long the short links of SMS and Viber receipts work (OFD_SHORT_LINK_TTL_DAYS). Default 365 days. */
  readonly shortLinkTtlMs?: number;
}

export const DEFAULT_SHORT_LINK_TTL_MS = 365 * 24 * 3600_000;

export type NotifyProcessor = (job: NotifyJobRef) => Promise<NotifyOutcome>;
