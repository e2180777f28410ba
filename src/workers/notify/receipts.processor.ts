/**
 * The notify processor: one `notify` job → one e-receipt (issue 6). A plain function over PostgreSQL and the e-mail and
 * SMS ports; the BullMQ wiring is notify.worker.ts.
 *
 *   email: the receipt in its organization's brand (src/branding: table HTML with the logo and the QR as inline images,
 *          and a plain-text part) through the EmailSender;
 *   sms:   a short text with the sum and a short link to the buyer's receipt page (`{OFD_PUBLIC_URL}/r/{code}`; without
 *          a public URL, the QR string) through the SmsSender, paid from the organization's SMS package (one SMS taken
 *          before the send, given back when the send fails; empty package → status no_balance);
 *   viber: the same link as a Viber business message, paid like an SMS, falling back to SMS when Viber does not
 *          deliver (viber.ts);
 *   webhook, notification-email (a dead-lettered webhook delivery or condition e-mail replayed with `ofd dlq replay`;
 *          `recipient` is its outbox row id): the row is made due again and its dispatcher sends it.
 *
 * Status per (fn, fd, channel) in notify_deliveries. A receipt already delivered is not sent again by a re-added job;
 * only a resend asked through the API (job data `resend`) sends it again. Retryable failures are retried by BullMQ
 * with the job's backoff; the last failure, or a terminal one, sets status failed and parks the job in dead_letters.
 */
import type { EmailSender } from '../../adapters/email/email-sender.js';
import { normalizePhone } from '../../adapters/sms/sms-sender.js';
import { findDelivery, loadReceiptSource, recordDeliveryOutcome, type NotifyDeliveryRow, type ReceiptChannel, type ReceiptSource } from '../../db/notify.repository.js';
import { rearmNotificationEmail } from '../../db/notification-emails.repository.js';
import { phoneChannelOf } from '../../db/receipt-brands.repository.js';
import { rearmWebhookDelivery } from '../../db/webhook-rearm.repository.js';
import { notifyJobSchema, outboxReplaySchema, type NotifyJobData } from '../../queue/notify-jobs.js';
import { receivedAtOfHint } from '../../queue/received-at-hint.js';
import { NotifyError, type NotifyJobRef, type NotifyOutcome, type NotifyProcessor, type NotifyProcessorDeps } from './notify-types.js';
import { JOB_STALLED } from '../shared/stalled-jobs.js';
import { attempt, BrandCache, dead, refuse, sendSms, sendViber, shortLink, type Key } from './receipt-sends.js';
import { body, receiptEmail, receiptQrOf } from './receipt-texts.js';

export {
  DEFAULT_SHORT_LINK_TTL_MS,
  NotifyError,
  type NotifyJobRef,
  type NotifyOutcome,
  type NotifyProcessor,
  type NotifyProcessorDeps,
} from './notify-types.js';

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
/** An SMS row in one of these has nothing more to send. */
const SMS_SETTLED: ReadonlySet<string> = new Set(['delivered', 'failed', 'no_balance', 'no_recipient']);

type Deps = NotifyProcessorDeps;

function smsSettled(sms: NotifyDeliveryRow | undefined): boolean {
  if (sms === undefined) return false;
  return SMS_SETTLED.has(sms.status) && !(sms.status === 'failed' && sms.last_error_code === JOB_STALLED);
}

/** A replayed dead letter of an outbox: its row made due again. Undefined for any other job. */
async function replayOutbox(deps: Deps, data: unknown): Promise<NotifyOutcome | undefined> {
  const replay = outboxReplaySchema.safeParse(data);
  if (!replay.success) return undefined;
  const id = Number(replay.data.recipient);
  const ok = replay.data.channel === 'webhook' ? await rearmWebhookDelivery(deps.db, id) : await rearmNotificationEmail(deps.db, id);
  return ok ? { kind: 'done', status: 'rearmed' } : { kind: 'done', status: 'skipped' };
}

/** Where the receipt goes: the channel (an automatic receipt to a phone the way its organization chose) and the key. */
async function route(deps: Deps, data: NotifyJobData, doc: ReceiptSource): Promise<{ key: Key; recipient: string }> {
  // An automatic receipt to a phone goes the way its organization chose (Viber first, or SMS); a send asked through
  // the API goes by the channel asked.
  // A receipt already sent by Viber and waiting for its report stays Viber, whatever the organization chose since.
  const viaViber =
    data.channel === 'sms' &&
    data.resend === undefined &&
    ((await phoneChannelOf(deps.db, doc.organization_id)).phoneChannel === 'viber' || (await findDelivery(deps.db, data.fn, data.fd, 'viber'))?.status === 'sending');
  const channel: ReceiptChannel = viaViber ? 'viber' : (data.channel as ReceiptChannel);
  const stored = body(doc).json['buyerPhoneOrAddress'];
  const recipient = (data.recipient ?? (typeof stored === 'string' ? stored : '')).trim();
  return { key: { fn: data.fn, fd: data.fd, channel, recipient: recipient === '' ? '-' : recipient, organizationId: doc.organization_id }, recipient };
}

async function sendEmail(deps: Deps, brands: BrandCache, job: NotifyJobRef, key: Key, doc: ReceiptSource, recipient: string): Promise<NotifyOutcome> {
  if (!EMAIL.test(recipient)) return refuse(deps, key, 'failed', 'NOTIFY_BAD_RECIPIENT', `not an e-mail address: ${recipient}`);
  const email: EmailSender | undefined = deps.email;
  if (!email) return refuse(deps, key, 'failed', 'NOTIFY_EMAIL_NOT_CONFIGURED', 'SMTP_URL is not set');
  const qr = receiptQrOf(doc);
  const mail = await receiptEmail(doc, await brands.brandOf(doc.organization_id), qr && deps.receiptPageUrl ? `${deps.receiptPageUrl}/check?${qr}` : undefined);
  return attempt(deps, job, key, () => email.send({ to: recipient, ...mail }));
}

/** The receipt by its channel: e-mail, Viber (then SMS) or SMS. `existing`: the key's delivery row, when read already. */
async function send(
  deps: Deps,
  brands: BrandCache,
  job: NotifyJobRef,
  data: NotifyJobData,
  doc: ReceiptSource,
  key: Key,
  recipient: string,
  existing: NotifyDeliveryRow | undefined | null,
): Promise<NotifyOutcome> {
  const resend = data.resend ?? 0;
  if (key.channel === 'email') return sendEmail(deps, brands, job, key, doc, recipient);
  const phone = normalizePhone(recipient);
  if (!phone) return refuse(deps, key, 'failed', 'NOTIFY_BAD_RECIPIENT', `not a phone number: ${recipient}`);
  if (key.channel === 'viber') return sendViber(deps, job, key, doc, phone, resend, existing === null ? await findDelivery(deps.db, data.fn, data.fd, 'viber') : existing);
  // One charge per attempt: a crash between the charge and the send leaves that attempt charged, never twice.
  const ids = { message: `${data.fn}-${data.fd}-sms-${resend}`, charge: `${data.fn}-${data.fd}-${resend}-a${job.attempt}` };
  return sendSms(deps, job, key, doc, phone, ids, await shortLink(deps, doc));
}

export function createNotifyProcessor(deps: NotifyProcessorDeps): NotifyProcessor {
  const { db } = deps;
  const brands = new BrandCache(deps);

  return async function processNotifyJob(job) {
    const replayed = await replayOutbox(deps, job.data);
    if (replayed) return replayed;
    const parsed = notifyJobSchema.safeParse(job.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return dead(deps, job, new NotifyError('NOTIFY_BAD_JOB', `invalid notify job: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown'}`));
    }
    const data = parsed.data;
    // A webhook replay whose recipient is no delivery id: nothing to make due.
    if (data.channel === 'webhook') return { kind: 'done', status: 'skipped' };
    const doc = await loadReceiptSource(db, data.fn, data.fd, receivedAtOfHint(data.receivedAt));
    if (!doc) return dead(deps, job, new NotifyError('NOTIFY_DOCUMENT_NOT_FOUND', `no stored document (${data.fn}, ${data.fd})`));
    const { key, recipient } = await route(deps, data, doc);
    if (recipient === '') {
      await recordDeliveryOutcome(db, key, { status: 'no_recipient', errorCode: 'NOTIFY_NO_RECIPIENT', error: 'the document carries no buyer e-mail or phone (1008)' });
      return { kind: 'done', status: 'no_recipient' };
    }
    // null: not read (a resend asked through the API skips these checks).
    let existing: NotifyDeliveryRow | undefined | null = null;
    if (data.resend === undefined) {
      existing = await findDelivery(db, data.fn, data.fd, key.channel);
      // Done before: delivered, or handed to the SMS fallback and that SMS settled. An SMS not settled (the run died
      // after Viber gave up, or the SMS is being retried; or its job was given up for stalling — failed with
      // JOB_STALLED, and this is the replay of its letter) goes on: sendViber sends it, under the same ids.
      if (existing?.status === 'delivered') return { kind: 'done', status: 'skipped' };
      if (existing?.status === 'fallback_sms' && smsSettled(await findDelivery(db, data.fn, data.fd, 'sms'))) {
        return { kind: 'done', status: 'skipped' };
      }
    }
    return send(deps, brands, job, data, doc, key, recipient, existing);
  };
}
