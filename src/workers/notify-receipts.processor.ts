/**
 * The notify processor: one `notify` job → one e-receipt (issue 6). A plain function over PostgreSQL and the e-mail and
 * SMS ports; the BullMQ wiring is notify-worker.ts.
 *
 *   email: the printable receipt (receipt-view.ts: HTML with the sums and the FNS QR string) through the EmailSender;
 *   sms:   a short text with the sum and the QR string through the SmsSender, paid from the organization's SMS package
 *          (one SMS taken before the send, given back when the send fails; empty package → status no_balance);
 *   webhook, notification-email (a dead-lettered webhook delivery or condition e-mail replayed with `ofd dlq replay`;
 *          `recipient` is its outbox row id): the row is made due again and its dispatcher sends it.
 *
 * Status per (fn, fd, channel) in notify_deliveries. A receipt already delivered is not sent again by a re-added job;
 * only a resend asked through the API (job data `resend`) sends it again. Retryable failures are retried by BullMQ
 * with the job's backoff; the last failure, or a terminal one, sets status failed and parks the job in dead_letters.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { EmailSender } from '../adapters/email/email-sender.js';
import { normalizePhone, type SmsSender } from '../adapters/sms/sms-sender.js';
import { fnsQrString, renderReceiptHtml, rubles } from '../api/receipt-view.js';
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
  type NotifyDeliveryStatus,
  type ReceiptChannel,
  type ReceiptSource,
  type SmsAccount,
} from '../db/notify.repository.js';
import { rearmNotificationEmail } from '../db/notification-emails.repository.js';
import { NOTIFICATION_EMAIL_CHANNEL } from './notify-condition-emails.js';
import { rearmWebhookDelivery } from './notify-webhooks.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { QueueNames } from '../queue/queue-names.js';

export const notifyJobSchema = z.object({
  fn: z.string().regex(/^\d{16}$/),
  fd: z.number().int().min(1).max(0xffff_ffff),
  channel: z.enum(['email', 'sms', 'webhook']),
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
  /** OFD_PUBLIC_URL without a trailing slash: SMS carry a link to the receipt page there. */
  readonly receiptPageUrl?: string;
}

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

/** The e-mail of a receipt: subject, plain text (sums, QR string) and the printable HTML. */
export function receiptEmail(doc: ReceiptSource): { subject: string; text: string; html: string } {
  const { formName, json } = body(doc);
  const qr = receiptQrOf(doc);
  const seller = typeof json['user'] === 'string' ? json['user'].trim() : '';
  const lines = [
    `Кассовый чек № ${doc.fd}${seller ? ` — ${seller}` : ''}`,
    doc.date_time ? `Дата и время: ${doc.date_time.replace('T', ' ')}` : '',
    doc.total_sum === null ? '' : `ИТОГ: ${rubles(doc.total_sum)} ₽`,
    `ФН: ${doc.fn}  ФД: ${doc.fd}${doc.fiscal_sign === null ? '' : `  ФПД: ${doc.fiscal_sign}`}`,
    qr ? `Проверка чека в ФНС: ${qr}` : '',
  ].filter((l) => l !== '');
  return {
    subject: `Кассовый чек № ${doc.fd}${seller ? ` — ${seller}` : ''}`,
    text: `${lines.join('\n')}\n`,
    html: renderReceiptHtml(formName, json, qr),
  };
}

/**
 * The SMS of a receipt: short, with the sum and either a link to the buyer's receipt page (`<receiptPageUrl>/check?<QR
 * string>`, when the public URL is known) or the QR string itself (what the FNS app checks).
 */
export function receiptSms(doc: ReceiptSource, receiptPageUrl?: string): string {
  const qr = receiptQrOf(doc);
  const sum = doc.total_sum === null ? '' : ` на ${rubles(doc.total_sum)} руб.`;
  if (qr && receiptPageUrl) return `Чек ФД ${doc.fd}${sum}: ${receiptPageUrl}/check?${qr}`;
  return `Чек ФД ${doc.fd}${sum} ФН ${doc.fn}${qr ? `. Проверка: ${qr}` : ''}`;
}

function errorOf(e: unknown): { code: string; message: string; retryable: boolean } {
  const err = e as { code?: unknown; message?: unknown; retryable?: unknown };
  return {
    code: typeof err.code === 'string' ? err.code : 'NOTIFY_SEND_FAILED',
    message: typeof err.message === 'string' ? err.message : String(e),
    retryable: err.retryable !== false,
  };
}

export function createNotifyProcessor(deps: NotifyProcessorDeps): NotifyProcessor {
  const { db, metrics } = deps;
  const log = deps.logger;

  async function dead(job: NotifyJobRef, error: NotifyError): Promise<NotifyOutcome> {
    await recordDeadLetters(db, [
      { queue: QueueNames.notify, jobId: job.id ?? '', jobName: job.name, payload: asPayload(job.data), errorCode: error.code, errorMessage: error.message, attempts: job.attempt },
    ]);
    return { kind: 'dead', error };
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
    const channel: ReceiptChannel = data.channel;
    const doc = await loadReceiptSource(db, data.fn, data.fd);
    if (!doc) return dead(job, new NotifyError('NOTIFY_DOCUMENT_NOT_FOUND', `no stored document (${data.fn}, ${data.fd})`));
    const stored = body(doc).json['buyerPhoneOrAddress'];
    const recipient = (data.recipient ?? (typeof stored === 'string' ? stored : '')).trim();
    const key = { fn: data.fn, fd: data.fd, channel, recipient: recipient === '' ? '-' : recipient, organizationId: doc.organization_id };
    if (recipient === '') {
      await recordDeliveryOutcome(db, key, { status: 'no_recipient', errorCode: 'NOTIFY_NO_RECIPIENT', error: 'the document carries no buyer e-mail or phone (1008)' });
      return { kind: 'done', status: 'no_recipient' };
    }
    if (data.resend === undefined) {
      const existing = await findDelivery(db, data.fn, data.fd, channel);
      if (existing?.status === 'delivered') return { kind: 'done', status: 'skipped' };
    }

    const refuse = async (status: NotifyDeliveryStatus, code: string, message: string): Promise<NotifyOutcome> => {
      await recordDeliveryOutcome(db, key, { status, errorCode: code, error: message });
      metrics?.forward.total.inc({ target: channel, result: 'rejected' });
      log.info({ fn: data.fn, fd: data.fd, channel, code }, 'e-receipt not sent');
      return { kind: 'done', status };
    };

    let send: () => Promise<void>;
    let charged: SmsAccount | null = null;
    // One charge per attempt: a crash between the charge and the send leaves that attempt charged, never twice.
    const smsChargeKey = `${data.fn}-${data.fd}-${data.resend ?? 0}-a${job.attempt}`;
    if (channel === 'email') {
      if (!EMAIL.test(recipient)) return refuse('failed', 'NOTIFY_BAD_RECIPIENT', `not an e-mail address: ${recipient}`);
      const email = deps.email;
      if (!email) return refuse('failed', 'NOTIFY_EMAIL_NOT_CONFIGURED', 'SMTP_URL is not set');
      const mail = receiptEmail(doc);
      send = () => email.send({ to: recipient, ...mail });
    } else {
      const phone = normalizePhone(recipient);
      if (!phone) return refuse('failed', 'NOTIFY_BAD_RECIPIENT', `not a phone number: ${recipient}`);
      const sms = deps.sms;
      if (!sms) return refuse('failed', 'NOTIFY_SMS_NOT_CONFIGURED', 'SMS_URL is not set');
      if (doc.organization_id === null) return refuse('no_balance', 'NOTIFY_NO_ORGANIZATION', `no organization with INN ${doc.user_inn ?? '-'}: no SMS package`);
      const orgId = doc.organization_id;
      charged = await takeSmsCredit(db, orgId, smsChargeKey);
      if (charged === null) return refuse('no_balance', 'NOTIFY_SMS_BALANCE_EMPTY', 'the organization’s SMS package is empty and postpaid SMS are off');
      const text = receiptSms(doc, deps.receiptPageUrl);
      send = async () => {
        await sms.send({ id: `${data.fn}-${data.fd}-sms-${data.resend ?? 0}`, to: phone, text });
      };
    }

    await startDeliveryAttempt(db, key);
    const end = metrics?.forward.latency.startTimer({ target: channel });
    try {
      await send();
    } catch (e) {
      end?.();
      if (charged !== null && doc.organization_id !== null) await refundSmsCredit(db, doc.organization_id, smsChargeKey, charged);
      const err = errorOf(e);
      const error = new NotifyError(err.code, err.message);
      const final = !err.retryable || job.attempt >= job.maxAttempts;
      metrics?.forward.total.inc({ target: channel, result: final ? 'failed' : 'retry' });
      if (final) {
        // The dead letter first: a status `failed` always has its letter.
        const outcome = await dead(job, error);
        await recordDeliveryOutcome(db, key, { status: 'failed', errorCode: err.code, error: err.message });
        log.warn({ fn: data.fn, fd: data.fd, channel, code: err.code, err: err.message }, 'e-receipt parked as dead letter');
        return outcome;
      }
      await recordDeliveryOutcome(db, key, { status: 'retrying', errorCode: err.code, error: err.message });
      return { kind: 'retry', error };
    }
    end?.();
    await recordDeliveryOutcome(db, key, { status: 'delivered' });
    metrics?.forward.total.inc({ target: channel, result: 'ok' });
    return { kind: 'done', status: 'delivered' };
  };
}
