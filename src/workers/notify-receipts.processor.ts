/**
 * The notify processor: one `notify` job → one e-receipt (issue 6). A plain function over PostgreSQL and the e-mail and
 * SMS ports; the BullMQ wiring is notify-worker.ts.
 *
 *   email: the receipt in its organization's brand (src/branding: table HTML with the logo and the QR as inline images,
 *          and a plain-text part) through the EmailSender;
 *   sms:   a short text with the sum and a short link to the buyer's receipt page (`{OFD_PUBLIC_URL}/r/{code}`; without
 *          a public URL, the QR string) through the SmsSender, paid from the organization's SMS package (one SMS taken
 *          before the send, given back when the send fails; empty package → status no_balance);
 *   viber: the same link as a Viber business message, paid like an SMS, falling back to SMS when Viber does not
 *          deliver (notify-viber.ts);
 *   webhook, notification-email (a dead-lettered webhook delivery or condition e-mail replayed with `ofd dlq replay`;
 *          `recipient` is its outbox row id): the row is made due again and its dispatcher sends it.
 *
 * Status per (fn, fd, channel) in notify_deliveries. A receipt already delivered is not sent again by a re-added job;
 * only a resend asked through the API (job data `resend`) sends it again. Retryable failures are retried by BullMQ
 * with the job's backoff; the last failure, or a terminal one, sets status failed and parks the job in dead_letters.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { EmailMessage, EmailSender } from '../adapters/email/email-sender.js';
import { normalizePhone, type SmsSender } from '../adapters/sms/sms-sender.js';
import type { ViberSender } from '../adapters/viber/viber-sender.js';
import { fnsQrString, rubles } from '../domain/receipt-view.js';
import { DEFAULT_BRAND, type Brand } from '../domain/brand.js';
import { brandedReceiptEmail } from '../branding/branded-receipt.js';
import { brandStamp, loadBrand, phoneChannelOf } from '../db/receipt-brands.repository.js';
import { shortLinkFor } from '../db/short-links.repository.js';
import type { JsonObject } from '../db/column-types.js';
import type { Database } from '../db/database.js';
import { recordDeadLetters } from '../db/dead-letters.repository.js';
import {
  findDelivery,
  loadReceiptSource,
  recordDeliveryOutcome,
  refundSmsCredit,
  startDeliveryAttempt,
  takeSmsCredit,
  type DeliveryKey,
  type NotifyDeliveryStatus,
  type ReceiptChannel,
  type ReceiptSource,
  type SmsAccount,
} from '../db/notify.repository.js';
import { rearmNotificationEmail } from '../db/notification-emails.repository.js';
import { NOTIFICATION_EMAIL_CHANNEL } from './notify-condition-emails.js';
import { awaitViberDelivery, viberTtlSeconds, type ViberCascadeOptions } from './notify-viber.js';
import { rearmWebhookDelivery } from './notify-webhooks.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { QueueNames } from '../queue/queue-names.js';

export const notifyJobSchema = z.object({
  fn: z.string().regex(/^\d{16}$/),
  fd: z.number().int().min(1).max(0xffff_ffff),
  channel: z.enum(['email', 'sms', 'viber', 'webhook']),
  recipient: z.string().min(1).max(320).optional(),
  /** Set on jobs of a resend asked through the API: sends even when the receipt was delivered before. */
  resend: z.number().int().min(1).optional(),
});
export type NotifyJobData = z.infer<typeof notifyJobSchema>;

/**
 * A replayed dead letter of an outbox (webhook_deliveries, notification_emails). Its payload names no document when
 * the event was about a register or an FN, so it is recognised before the receipt schema, which requires one.
 */
const outboxReplaySchema = z.object({
  channel: z.enum(['webhook', NOTIFICATION_EMAIL_CHANNEL]),
  recipient: z.string().regex(/^[1-9]\d{0,14}$/),
});

export interface NotifyJobRef {
  readonly id: string | undefined;
  readonly name: string;
  readonly data: unknown;
  /** 1-based number of this attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

export type NotifyOutcome =
  | { readonly kind: 'done'; readonly status: NotifyDeliveryStatus | 'skipped' | 'rearmed' }
  | { readonly kind: 'retry'; readonly error: NotifyError }
  | { readonly kind: 'dead'; readonly error: NotifyError };

export class NotifyError extends Error {
  override readonly name = 'NotifyError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
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

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

function asPayload(data: unknown): JsonObject {
  return data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as JsonObject) : { data: (data ?? null) as JsonObject[string] };
}

export function receiptQrOf(doc: ReceiptSource): string | null {
  if (doc.date_time === null || doc.total_sum === null || doc.fiscal_sign === null || doc.operation_type === null) return null;
  return fnsQrString({ dateTime: doc.date_time, totalSum: doc.total_sum, fn: doc.fn, fd: doc.fd, fiscalSign: doc.fiscal_sign, operationType: doc.operation_type });
}

function body(doc: ReceiptSource): { formName: string; json: Record<string, unknown> } {
  const [formName, b] = Object.entries(doc.fns_json)[0] ?? ['document', {}];
  return { formName, json: typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : {} };
}

/** The e-mail of a receipt in the organization's brand: subject, plain text, HTML and its inline images. */
export async function receiptEmail(doc: ReceiptSource, brand: Brand = DEFAULT_BRAND, pageUrl?: string): Promise<Omit<EmailMessage, 'to'>> {
  const { formName, json } = body(doc);
  // The numbers come from the stored columns when the FNS JSON lacks them (a partial document still names itself).
  const named = { fiscalDocumentNumber: doc.fd, fiscalDriveNumber: doc.fn, ...json };
  return brandedReceiptEmail({ formName, doc: named, qr: receiptQrOf(doc) }, brand, pageUrl);
}

/**
 * The SMS of a receipt: short, with the sum and either the short link to the buyer's receipt page (when the public
 * URL is known) or the QR string itself (what the FNS app checks).
 */
export function receiptSms(doc: ReceiptSource, link?: string): string {
  const qr = receiptQrOf(doc);
  const sum = doc.total_sum === null ? '' : ` на ${rubles(doc.total_sum)} руб.`;
  if (link) return `Чек ФД ${doc.fd}${sum}: ${link}`;
  return `Чек ФД ${doc.fd}${sum} ФН ${doc.fn}${qr ? `. Проверка: ${qr}` : ''}`;
}

/** The Viber message of a receipt: the seller, the sum and the link (also as the message's button). */
export function receiptViberText(doc: ReceiptSource, link?: string): string {
  const seller = body(doc).json['user'];
  const from = typeof seller === 'string' && seller.trim() !== '' ? ` от ${seller.trim()}` : '';
  const sum = doc.total_sum === null ? '' : ` на ${rubles(doc.total_sum)} ₽`;
  return `Кассовый чек${from}${sum}, ФД ${doc.fd}.${link ? ` Открыть чек: ${link}` : ` ${receiptSms(doc)}`}`;
}

function errorOf(e: unknown): { code: string; message: string; retryable: boolean } {
  const err = e as { code?: unknown; message?: unknown; retryable?: unknown };
  return {
    code: typeof err.code === 'string' ? err.code : 'NOTIFY_SEND_FAILED',
    message: typeof err.message === 'string' ? err.message : String(e),
    retryable: err.retryable !== false,
  };
}

type Key = DeliveryKey & { readonly recipient: string; readonly organizationId: number | null };

export function createNotifyProcessor(deps: NotifyProcessorDeps): NotifyProcessor {
  const { db, metrics } = deps;
  const log = deps.logger;

  async function dead(job: NotifyJobRef, error: NotifyError): Promise<NotifyOutcome> {
    await recordDeadLetters(db, [
      { queue: QueueNames.notify, jobId: job.id ?? '', jobName: job.name, payload: asPayload(job.data), errorCode: error.code, errorMessage: error.message, attempts: job.attempt },
    ]);
    return { kind: 'dead', error };
  }

  async function refuse(key: Key, status: NotifyDeliveryStatus, code: string, message: string): Promise<NotifyOutcome> {
    await recordDeliveryOutcome(db, key, { status, errorCode: code, error: message });
    metrics?.forward.total.inc({ target: key.channel, result: 'rejected' });
    log.info({ fn: key.fn, fd: key.fd, channel: key.channel, code }, 'e-receipt not sent');
    return { kind: 'done', status };
  }

  /**
   * One send of one channel: status sending, the send, its outcome recorded. A failure gives back what was charged;
   * retryable ones are retried by BullMQ, the last or a terminal one is a dead letter.
   */
  async function attempt(job: NotifyJobRef, key: Key, send: () => Promise<void>, charged?: { organizationId: number; chargeKey: string; account: SmsAccount }): Promise<NotifyOutcome> {
    await startDeliveryAttempt(db, key);
    const end = metrics?.forward.latency.startTimer({ target: key.channel });
    try {
      await send();
    } catch (e) {
      end?.();
      if (charged) await refundSmsCredit(db, charged.organizationId, charged.chargeKey, charged.account);
      const err = errorOf(e);
      const error = new NotifyError(err.code, err.message);
      const final = !err.retryable || job.attempt >= job.maxAttempts;
      metrics?.forward.total.inc({ target: key.channel, result: final ? 'failed' : 'retry' });
      if (final) {
        // The dead letter first: a status `failed` always has its letter.
        const outcome = await dead(job, error);
        await recordDeliveryOutcome(db, key, { status: 'failed', errorCode: err.code, error: err.message });
        log.warn({ fn: key.fn, fd: key.fd, channel: key.channel, code: err.code, err: err.message }, 'e-receipt parked as dead letter');
        return outcome;
      }
      await recordDeliveryOutcome(db, key, { status: 'retrying', errorCode: err.code, error: err.message });
      return { kind: 'retry', error };
    }
    end?.();
    await recordDeliveryOutcome(db, key, { status: 'delivered' });
    metrics?.forward.total.inc({ target: key.channel, result: 'ok' });
    return { kind: 'done', status: 'delivered' };
  }

  // A logo is up to 256 KB: each organization's brand is read once and kept while its updated_at stays the same (a
  // small primary-key lookup per e-mail), so a saved change shows in the very next e-mail of every worker process.
  const brands = new Map<number, { brand: Brand; stamp: number }>();
  async function brandOf(organizationId: number | null): Promise<Brand> {
    if (organizationId === null) return DEFAULT_BRAND;
    const stamp = (await brandStamp(db, organizationId))?.getTime() ?? 0;
    const cached = brands.get(organizationId);
    if (cached && cached.stamp === stamp) return cached.brand;
    const { brand, updatedAt } = await loadBrand(db, organizationId);
    if (brands.size >= 10_000) brands.clear();
    brands.set(organizationId, { brand, stamp: updatedAt?.getTime() ?? 0 });
    return brand;
  }

  /** `{OFD_PUBLIC_URL}/r/{code}` of the receipt's page; undefined without a public URL or a QR string. */
  async function shortLink(doc: ReceiptSource): Promise<string | undefined> {
    const qr = receiptQrOf(doc);
    if (!qr || !deps.receiptPageUrl) return undefined;
    const link = await shortLinkFor(db, { organizationId: doc.organization_id, fn: doc.fn, fd: doc.fd, target: `/check?${qr}`, ttlMs: deps.shortLinkTtlMs ?? DEFAULT_SHORT_LINK_TTL_MS });
    return `${deps.receiptPageUrl}/r/${link.code}`;
  }

  async function sendSms(job: NotifyJobRef, key: Key, doc: ReceiptSource, phone: string, ids: { message: string; charge: string }, link: string | undefined): Promise<NotifyOutcome> {
    const sms = deps.sms;
    if (!sms) return refuse(key, 'failed', 'NOTIFY_SMS_NOT_CONFIGURED', 'SMS_URL is not set');
    if (doc.organization_id === null) return refuse(key, 'no_balance', 'NOTIFY_NO_ORGANIZATION', `no organization with INN ${doc.user_inn ?? '-'}: no SMS package`);
    const organizationId = doc.organization_id;
    const account = await takeSmsCredit(db, organizationId, ids.charge);
    if (account === null) return refuse(key, 'no_balance', 'NOTIFY_SMS_BALANCE_EMPTY', 'the organization’s SMS package is empty and postpaid SMS are off');
    const text = receiptSms(doc, link);
    return attempt(job, key, async () => void (await sms.send({ id: ids.message, to: phone, text })), { organizationId, chargeKey: ids.charge, account });
  }

  /** Viber first; SMS when Viber does not deliver (or is not configured). */
  async function sendViber(job: NotifyJobRef, key: Key, doc: ReceiptSource, phone: string, resend: number): Promise<NotifyOutcome> {
    const link = await shortLink(doc);
    const smsKey: Key = { ...key, channel: 'sms' };
    const smsIds = { message: `${doc.fn}-${doc.fd}-viber-sms-${resend}`, charge: `${doc.fn}-${doc.fd}-${resend}-vsms-a${job.attempt}` };
    // A retry after Viber already gave up (the SMS failed retryably) goes straight to the SMS.
    const before = job.attempt > 1 ? await findDelivery(db, doc.fn, doc.fd, 'viber') : undefined;
    if (before?.status === 'fallback_sms') return sendSms(job, smsKey, doc, phone, smsIds, link);
    const viber = deps.viber;
    if (!viber) {
      await recordDeliveryOutcome(db, key, { status: 'fallback_sms', errorCode: 'VIBER_NOT_CONFIGURED', error: 'VIBER_URL is not set: sent by SMS' });
      return sendSms(job, smsKey, doc, phone, smsIds, link);
    }
    if (doc.organization_id === null) return refuse(key, 'no_balance', 'NOTIFY_NO_ORGANIZATION', `no organization with INN ${doc.user_inn ?? '-'}: no SMS package`);
    const organizationId = doc.organization_id;
    const chargeKey = `viber-${doc.fn}-${doc.fd}-${resend}-a${job.attempt}`;
    const account = await takeSmsCredit(db, organizationId, chargeKey);
    if (account === null) return refuse(key, 'no_balance', 'NOTIFY_SMS_BALANCE_EMPTY', 'the organization’s SMS package is empty and postpaid SMS are off');
    const id = `${doc.fn}-${doc.fd}-viber-${resend}`;
    await startDeliveryAttempt(db, key);
    const end = metrics?.forward.latency.startTimer({ target: 'viber' });
    let failure: { code: string; reason: string };
    try {
      await viber.send({
        id,
        to: phone,
        text: receiptViberText(doc, link),
        ...(link ? { button: { caption: 'Открыть чек', url: link } } : {}),
        ttlSeconds: viberTtlSeconds(deps.viberOptions?.deliveryWaitMs ?? 120_000),
      });
      const outcome = await awaitViberDelivery(viber, id, deps.viberOptions);
      end?.();
      if (outcome.kind === 'delivered') {
        await recordDeliveryOutcome(db, key, { status: 'delivered' });
        metrics?.forward.total.inc({ target: 'viber', result: 'ok' });
        return { kind: 'done', status: 'delivered' };
      }
      failure = { code: outcome.code, reason: outcome.reason };
    } catch (e) {
      end?.();
      const err = errorOf(e);
      if (err.retryable && job.attempt < job.maxAttempts) {
        await refundSmsCredit(db, organizationId, chargeKey, account);
        await recordDeliveryOutcome(db, key, { status: 'retrying', errorCode: err.code, error: err.message });
        metrics?.forward.total.inc({ target: 'viber', result: 'retry' });
        return { kind: 'retry', error: new NotifyError(err.code, err.message) };
      }
      failure = { code: err.code, reason: err.message };
    }
    // Not delivered by Viber: the message is given back, and the receipt goes by SMS.
    await refundSmsCredit(db, organizationId, chargeKey, account);
    await recordDeliveryOutcome(db, key, { status: 'fallback_sms', errorCode: failure.code, error: failure.reason });
    metrics?.forward.total.inc({ target: 'viber', result: 'failed' });
    log.info({ fn: doc.fn, fd: doc.fd, code: failure.code }, 'Viber did not deliver the e-receipt: falling back to SMS');
    return sendSms(job, smsKey, doc, phone, smsIds, link);
  }

  return async function processNotifyJob(job) {
    const replay = outboxReplaySchema.safeParse(job.data);
    if (replay.success) {
      const id = Number(replay.data.recipient);
      const ok = replay.data.channel === 'webhook' ? await rearmWebhookDelivery(db, id) : await rearmNotificationEmail(db, id);
      return ok ? { kind: 'done', status: 'rearmed' } : { kind: 'done', status: 'skipped' };
    }
    const parsed = notifyJobSchema.safeParse(job.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return dead(job, new NotifyError('NOTIFY_BAD_JOB', `invalid notify job: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown'}`));
    }
    const data = parsed.data;
    // A webhook replay whose recipient is no delivery id: nothing to make due.
    if (data.channel === 'webhook') return { kind: 'done', status: 'skipped' };
    const doc = await loadReceiptSource(db, data.fn, data.fd);
    if (!doc) return dead(job, new NotifyError('NOTIFY_DOCUMENT_NOT_FOUND', `no stored document (${data.fn}, ${data.fd})`));
    // An automatic receipt to a phone goes the way its organization chose (Viber first, or SMS); a send asked through
    // the API goes by the channel asked.
    const viaViber = data.channel === 'sms' && data.resend === undefined && (await phoneChannelOf(db, doc.organization_id)).phoneChannel === 'viber';
    const channel: ReceiptChannel = viaViber ? 'viber' : data.channel;
    const stored = body(doc).json['buyerPhoneOrAddress'];
    const recipient = (data.recipient ?? (typeof stored === 'string' ? stored : '')).trim();
    const key: Key = { fn: data.fn, fd: data.fd, channel, recipient: recipient === '' ? '-' : recipient, organizationId: doc.organization_id };
    if (recipient === '') {
      await recordDeliveryOutcome(db, key, { status: 'no_recipient', errorCode: 'NOTIFY_NO_RECIPIENT', error: 'the document carries no buyer e-mail or phone (1008)' });
      return { kind: 'done', status: 'no_recipient' };
    }
    if (data.resend === undefined) {
      const existing = await findDelivery(db, data.fn, data.fd, channel);
      // Done before: delivered, or handed to the SMS fallback (a retry of this job may be that SMS, so it goes on).
      if (existing?.status === 'delivered' || (existing?.status === 'fallback_sms' && job.attempt === 1)) return { kind: 'done', status: 'skipped' };
    }
    const resend = data.resend ?? 0;

    if (channel === 'email') {
      if (!EMAIL.test(recipient)) return refuse(key, 'failed', 'NOTIFY_BAD_RECIPIENT', `not an e-mail address: ${recipient}`);
      const email = deps.email;
      if (!email) return refuse(key, 'failed', 'NOTIFY_EMAIL_NOT_CONFIGURED', 'SMTP_URL is not set');
      const qr = receiptQrOf(doc);
      const mail = await receiptEmail(doc, await brandOf(doc.organization_id), qr && deps.receiptPageUrl ? `${deps.receiptPageUrl}/check?${qr}` : undefined);
      return attempt(job, key, () => email.send({ to: recipient, ...mail }));
    }
    const phone = normalizePhone(recipient);
    if (!phone) return refuse(key, 'failed', 'NOTIFY_BAD_RECIPIENT', `not a phone number: ${recipient}`);
    if (channel === 'viber') return sendViber(job, key, doc, phone, resend);
    // One charge per attempt: a crash between the charge and the send leaves that attempt charged, never twice.
    const ids = { message: `${data.fn}-${data.fd}-sms-${resend}`, charge: `${data.fn}-${data.fd}-${resend}-a${job.attempt}` };
    return sendSms(job, key, doc, phone, ids, await shortLink(doc));
  };
}
