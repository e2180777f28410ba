/**
 * Sending one e-receipt by one channel (receipts.processor.ts decides which): the send recorded in notify_deliveries
 * around it (../outbox.ts: timed, counted, retried or failed for good), SMS and Viber paid from the organization's SMS
 * package, Viber falling back to SMS.
 */
import type { Brand } from '../../domain/brand.js';
import { recordDeadLetters } from '../../db/dead-letters.repository.js';
import {
  recordDeliveryOutcome,
  refundSmsCredit,
  startDeliveryAttempt,
  type DeliveryKey,
  type NotifyDeliveryRow,
  type NotifyDeliveryStatus,
  type ReceiptSource,
  type SmsAccount,
} from '../../db/notify.repository.js';
import { chargeMessage, receiptReference } from '../../db/message-charges.repository.js';
import { brandFor, brandStamp, loadBrand } from '../../db/receipt-brands.repository.js';
import { shortLinkFor } from '../../db/short-links.repository.js';
import { QueueNames } from '../../queue/queue-names.js';
import { DEFAULT_SHORT_LINK_TTL_MS, NotifyError, type NotifyJobRef, type NotifyOutcome, type NotifyProcessorDeps } from './notify-types.js';
import { failureOf, sendFromOutbox } from './outbox.js';
import { deadLetterOf } from '../shared/job-ref.js';
import { receiptQrOf, receiptSms, receiptViberText } from './receipt-texts.js';
import { DEFAULT_VIBER_POLL_MS, DEFAULT_VIBER_WAIT_MS, noReportInTime, viberReport, viberTtlSeconds, type ViberReport } from './viber.js';

export type Key = DeliveryKey & { readonly recipient: string; readonly organizationId: number | null };

type Deps = NotifyProcessorDeps;


export async function dead(deps: Deps, job: NotifyJobRef, error: NotifyError): Promise<NotifyOutcome> {
  await recordDeadLetters(deps.db, [deadLetterOf(QueueNames.notify, job, error)]);
  return { kind: 'dead', error };
}

export async function refuse(deps: Deps, key: Key, status: NotifyDeliveryStatus, code: string, message: string): Promise<NotifyOutcome> {
  await recordDeliveryOutcome(deps.db, key, { status, errorCode: code, error: message });
  deps.metrics?.forward.total.inc({ target: key.channel, result: 'rejected' });
  deps.logger.info({ fn: key.fn, fd: key.fd, channel: key.channel, code }, 'e-receipt not sent');
  return { kind: 'done', status };
}

interface Charge {
  readonly organizationId: number;
  readonly chargeKey: string;
  readonly account: SmsAccount;
}

/**
 * One send of one channel: status sending, the send, its outcome recorded. A failure gives back what was charged;
 * retryable ones are retried by BullMQ, the last or a terminal one is a dead letter.
 */
export async function attempt(deps: Deps, job: NotifyJobRef, key: Key, send: () => Promise<void>, charged?: Charge): Promise<NotifyOutcome> {
  const { db } = deps;
  await startDeliveryAttempt(db, key);
  let outcome: NotifyOutcome = { kind: 'done', status: 'delivered' };
  await sendFromOutbox({
    target: key.channel,
    metrics: deps.metrics,
    send: async () => {
      try {
        await send();
        return undefined;
      } catch (e) {
        if (charged) await refundSmsCredit(db, charged.organizationId, charged.chargeKey, charged.account);
        return failureOf(e);
      }
    },
    isFinal: (f) => !f.retryable || job.attempt >= job.maxAttempts,
    delivered: async () => void (await recordDeliveryOutcome(db, key, { status: 'delivered' })),
    failed: async (f, final) => {
      const error = new NotifyError(f.code, f.message);
      if (!final) {
        await recordDeliveryOutcome(db, key, { status: 'retrying', errorCode: f.code, error: f.message });
        outcome = { kind: 'retry', error };
        return;
      }
      // The dead letter first: a status `failed` always has its letter.
      outcome = await dead(deps, job, error);
      await recordDeliveryOutcome(db, key, { status: 'failed', errorCode: f.code, error: f.message });
      deps.logger.warn({ fn: key.fn, fd: key.fd, channel: key.channel, code: f.code, err: f.message }, 'e-receipt parked as dead letter');
    },
  });
  return outcome;
}

/**
 * Organizations' brands: a logo is up to 256 KB, so each organization's brand is read once and kept while its
 * updated_at stays the same (a small primary-key lookup per e-mail); a saved change shows in the very next e-mail of
 * every worker process.
 */
export class BrandCache {
  private readonly brands = new Map<number, { brand: Brand; stamp: number }>();

  constructor(private readonly deps: Deps) {}

  /** The brand buyers get (brandFor: the saved one only while the branded e-receipt service is paid). */
  async brandOf(organizationId: number | null, now = new Date()): Promise<Brand> {
    return brandFor(this.deps.db, organizationId, now, (id) => this.saved(id));
  }

  private async saved(organizationId: number): Promise<Brand> {
    const { db } = this.deps;
    const stamp = (await brandStamp(db, organizationId))?.getTime() ?? 0;
    const cached = this.brands.get(organizationId);
    if (cached && cached.stamp === stamp) return cached.brand;
    const { brand, updatedAt } = await loadBrand(db, organizationId);
    if (this.brands.size >= 10_000) this.brands.clear();
    this.brands.set(organizationId, { brand, stamp: updatedAt?.getTime() ?? 0 });
    return brand;
  }
}

/** `{OFD_PUBLIC_URL}/r/{code}` of the receipt's page; undefined without a public URL or a QR string. */
export async function shortLink(deps: Deps, doc: ReceiptSource): Promise<string | undefined> {
  const qr = receiptQrOf(doc);
  if (!qr || !deps.receiptPageUrl) return undefined;
  const link = await shortLinkFor(deps.db, { organizationId: doc.organization_id, fn: doc.fn, fd: doc.fd, target: `/check?${qr}`, ttlMs: deps.shortLinkTtlMs ?? DEFAULT_SHORT_LINK_TTL_MS });
  return `${deps.receiptPageUrl}/r/${link.code}`;
}

export interface SmsIds {
  readonly message: string;
  readonly charge: string;
}

export async function sendSms(deps: Deps, job: NotifyJobRef, key: Key, doc: ReceiptSource, phone: string, ids: SmsIds, link: string | undefined): Promise<NotifyOutcome> {
  const sms = deps.sms;
  if (!sms) return refuse(deps, key, 'failed', 'NOTIFY_SMS_NOT_CONFIGURED', 'SMS_URL is not set');
  if (doc.organization_id === null) return refuse(deps, key, 'no_balance', 'NOTIFY_NO_ORGANIZATION', `no organization with INN ${doc.user_inn ?? '-'}: no SMS package`);
  const organizationId = doc.organization_id;
  const account = await chargeMessage(deps.db, { organizationId, channel: 'sms', key: ids.charge, reference: receiptReference(doc.fn, doc.fd) });
  if (account === null) return refuse(deps, key, 'no_balance', 'NOTIFY_SMS_BALANCE_EMPTY', 'the organization’s SMS package is empty and postpaid SMS are off');
  const text = receiptSms(doc, link);
  const charged = account === 'free' ? undefined : { organizationId, chargeKey: ids.charge, account };
  return attempt(deps, job, key, async () => void (await sms.send({ id: ids.message, to: phone, text })), charged);
}

/** A Viber send: accepted (its report is awaited), to be retried (BullMQ), or a failure that sends the receipt by SMS. */
type ViberResult = { readonly kind: 'accepted' } | { readonly kind: 'retry'; readonly error: NotifyError } | { readonly kind: 'fallback'; readonly code: string; readonly reason: string };

async function viberSend(deps: Deps, job: NotifyJobRef, v: ViberSend): Promise<ViberResult> {
  const { key, doc, phone, link } = v;
  const viber = deps.viber!;
  // The row's updated_at is now the moment of the send (the report is awaited until it plus deliveryWaitMs), its
  // charge_key what this send charged (the runs that wait refund by it).
  await startDeliveryAttempt(deps.db, key, v.chargeKey);
  const end = deps.metrics?.forward.latency.startTimer({ target: 'viber' });
  try {
    await viber.send({
      id: v.messageId,
      to: phone,
      text: receiptViberText(doc, link),
      ...(link ? { button: { caption: 'Открыть чек', url: link } } : {}),
      ttlSeconds: viberTtlSeconds(deps.viberOptions?.deliveryWaitMs ?? DEFAULT_VIBER_WAIT_MS),
    });
    return { kind: 'accepted' };
  } catch (e) {
    const err = failureOf(e);
    if (err.retryable && job.attempt < job.maxAttempts) return { kind: 'retry', error: new NotifyError(err.code, err.message) };
    return { kind: 'fallback', code: err.code, reason: err.message };
  } finally {
    end?.();
  }
}

/** What a Viber receipt needs besides the job: its message id, charge key and the SMS of its fallback. */
interface ViberSend {
  readonly key: Key;
  readonly doc: ReceiptSource;
  readonly phone: string;
  readonly link: string | undefined;
  readonly messageId: string;
  readonly chargeKey: string;
  readonly organizationId: number;
  readonly smsKey: Key;
  readonly smsIds: SmsIds;
}

/** Waits for the report in BullMQ's delayed set, not in this worker's slot (viber.ts). */
function awaitReport(deps: Deps): NotifyOutcome {
  return { kind: 'deferred', delayMs: deps.viberOptions?.statusPollMs ?? DEFAULT_VIBER_POLL_MS, reason: 'waiting for the Viber delivery report' };
}

/** Viber did not deliver (or will not): the message is given back and the receipt goes by SMS. */
async function fallBackToSms(deps: Deps, job: NotifyJobRef, v: ViberSend, code: string, reason: string): Promise<NotifyOutcome> {
  await refundSmsCredit(deps.db, v.organizationId, v.chargeKey);
  await recordDeliveryOutcome(deps.db, v.key, { status: 'fallback_sms', errorCode: code, error: reason });
  deps.metrics?.forward.total.inc({ target: 'viber', result: 'failed' });
  deps.logger.info({ fn: v.doc.fn, fd: v.doc.fd, code }, 'Viber did not deliver the e-receipt: falling back to SMS');
  return sendSms(deps, job, v.smsKey, v.doc, v.phone, v.smsIds, v.link);
}

/** A run after the send: the report decides, or the job waits again (until deliveryWaitMs after `sentAt`). */
async function settleReport(deps: Deps, job: NotifyJobRef, v: ViberSend, report: ViberReport, sentAt: Date): Promise<NotifyOutcome> {
  if (report.kind === 'delivered') {
    await recordDeliveryOutcome(deps.db, v.key, { status: 'delivered' });
    deps.metrics?.forward.total.inc({ target: 'viber', result: 'ok' });
    return { kind: 'done', status: 'delivered' };
  }
  if (report.kind === 'not_delivered') return fallBackToSms(deps, job, v, report.code, report.reason);
  const waitMs = deps.viberOptions?.deliveryWaitMs ?? DEFAULT_VIBER_WAIT_MS;
  if (report.kind === 'pending' && Date.now() >= sentAt.getTime() + waitMs) {
    const late = noReportInTime(report);
    return fallBackToSms(deps, job, v, late.code, late.reason);
  }
  return awaitReport(deps);
}

/**
 * A job a newer resend asked through the API has taken over (the row counts more resends than the job carries): it
 * leaves the row to that one. Its own message is given back if the provider says it will not be delivered.
 */
async function superseded(deps: Deps, organizationId: number, messageId: string, chargeKey: string): Promise<NotifyOutcome> {
  const report = await viberReport(deps.viber!, messageId);
  if (report.kind === 'not_delivered') await refundSmsCredit(deps.db, organizationId, chargeKey);
  return { kind: 'done', status: 'skipped' };
}

/** Viber first; SMS when Viber does not deliver (or is not configured). `before`: the receipt's viber row as it is now. */
export async function sendViber(
  deps: Deps,
  job: NotifyJobRef,
  key: Key,
  doc: ReceiptSource,
  phone: string,
  resend: number,
  before: NotifyDeliveryRow | undefined,
): Promise<NotifyOutcome> {
  const { db, metrics } = deps;
  const link = await shortLink(deps, doc);
  const smsKey: Key = { ...key, channel: 'sms' };
  const smsIds = { message: `${doc.fn}-${doc.fd}-viber-sms-${resend}`, charge: `${doc.fn}-${doc.fd}-${resend}-vsms-a${job.attempt}` };
  // Viber already gave up and the SMS did not settle (it failed retryably, or the run died before it): the SMS goes,
  // under the same message id. A resend asked through the API resets the row (pending), so it never comes here.
  if (before?.status === 'fallback_sms') return sendSms(deps, job, smsKey, doc, phone, smsIds, link);
  if (!deps.viber) {
    await recordDeliveryOutcome(db, key, { status: 'fallback_sms', errorCode: 'VIBER_NOT_CONFIGURED', error: 'VIBER_URL is not set: sent by SMS' });
    return sendSms(deps, job, smsKey, doc, phone, smsIds, link);
  }
  if (doc.organization_id === null) return refuse(deps, key, 'no_balance', 'NOTIFY_NO_ORGANIZATION', `no organization with INN ${doc.user_inn ?? '-'}: no SMS package`);
  const messageId = `${doc.fn}-${doc.fd}-viber-${resend}`;
  const ownChargeKey = `viber-${doc.fn}-${doc.fd}-${resend}-a${job.attempt}`;
  if (before !== undefined && before.resends > resend) return superseded(deps, doc.organization_id, messageId, ownChargeKey);
  // Sent by an earlier run of this job, which then waited: its charge is the one the row names.
  const sending = before?.status === 'sending';
  const v: ViberSend = {
    key, doc, phone, link, smsKey, smsIds, messageId,
    chargeKey: sending ? (before.charge_key ?? ownChargeKey) : ownChargeKey,
    organizationId: doc.organization_id,
  };
  if (sending) {
    // Ask for the report — unless the send never reached the provider: then it is sent (and charged) under the same keys.
    const report = await viberReport(deps.viber, v.messageId);
    if (report.kind !== 'unknown') return settleReport(deps, job, v, report, before.updated_at);
  }
  const account = await chargeMessage(db, { organizationId: v.organizationId, channel: 'viber', key: v.chargeKey, reference: receiptReference(doc.fn, doc.fd) });
  if (account === null) return refuse(deps, key, 'no_balance', 'NOTIFY_SMS_BALANCE_EMPTY', 'the organization’s SMS package is empty and postpaid SMS are off');
  const result = await viberSend(deps, job, v);
  if (result.kind === 'accepted') return awaitReport(deps);
  if (result.kind === 'retry') {
    // Not sent: the message is given back.
    await refundSmsCredit(db, v.organizationId, v.chargeKey);
    await recordDeliveryOutcome(db, key, { status: 'retrying', errorCode: result.error.code, error: result.error.message });
    metrics?.forward.total.inc({ target: 'viber', result: 'retry' });
    return result;
  }
  return fallBackToSms(deps, job, v, result.code, result.reason);
}
