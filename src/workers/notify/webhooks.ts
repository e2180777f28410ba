/**
 * Webhooks (issue 6): events are found by scanning what other workers store, logged per subscription in
 * webhook_deliveries (an outbox), and sent from there — signed, with exponential backoff between attempts.
 *
 * Events emitted:
 *   document.received   — a document of the organization was persisted (documents.persisted_at);
 *   shift.closed        — the same, for a shift-closing report (form 5); it also makes the «Выгрузки» set to run after
 *                         each closed shift (src/exports/export-schedule.ts), for every organization with one;
 *   fns.status_changed  — the FNS answered a document, or its delivery went dead (fns_status.updated_at).
 * Condition events (register.silent, fn.expiring, fn.fill, documents.unsent, flk.failed, fns.rejected, ofd.expiring)
 * come from conditions.ts, published into the same deliveries table.
 *
 * The scan reads (last end − overlap, now] of each source; an event found twice is logged once (unique event id per
 * subscription), so the overlap only guards against transactions that committed late. Several notify workers may scan
 * and send at once: deliveries are claimed with a lease (`for update skip locked`).
 */
import type { Kysely } from 'kysely';
import { formName } from '../../../protocol/tags/index.js';
import type { WebhookSender } from '../../adapters/webhooks/webhook-sender.js';
import type { JsonObject } from '../../db/column-types.js';
import type { Database } from '../../db/database.js';
import { recordDeadLetters, type DeadLetterInput } from '../../db/dead-letters.repository.js';
import {
  claimDueWebhookDeliveries,
  publishWebhookEvents,
  recordWebhookOutcome,
  saveScanPosition,
  scanFnsStatusChanges,
  scanPersistedDocuments,
  scanWindow,
  type DueWebhookDelivery,
  type ScannedDocument,
  type ScannedFnsStatus,
  type WebhookEventInput,
} from '../../db/webhooks.repository.js';
import { scanShiftClosedEvents, scheduleShiftExports } from '../../exports/export-schedule.js';
import { notifyJobId } from '../../queue/job-ids.js';
import { JobNames } from '../../queue/jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { dispatchDue, outboxBackoffMs, sendFromOutbox, type OutboxOptions } from './outbox.js';

/** Defaults: 8 attempts, backoff 10 s doubling up to 1 h, 50 deliveries per round, a 60 s lease. */
export interface WebhookDispatcherOptions extends OutboxOptions {
  readonly sender: WebhookSender;
  /** How far each scan reaches back before its last end. Default 60 s. */
  readonly overlapMs?: number;
  /** Documents received longer than this before a scan's start raise no event. Default 6 h. */
  readonly receivedWindowMs?: number;
}

export interface WebhookDispatcher {
  /** Finds new events and logs them; returns the deliveries created. */
  scan(): Promise<number>;
  /** Sends due deliveries once; returns how many were attempted. */
  deliverDue(): Promise<number>;
}

const SCAN_LIMIT = 1000;

function documentEvents(d: ScannedDocument): WebhookEventInput[] {
  const base: JsonObject = {
    fn: d.fn,
    fd: d.fd,
    form: d.form,
    formName: formName(d.form) ?? null,
    receivedAt: d.received_at.toISOString(),
    dateTime: d.date_time,
    totalSum: d.total_sum,
    operationType: d.operation_type,
    fiscalSign: d.fiscal_sign,
    shiftNumber: d.shift_number,
    registrationNumber: d.kkt_reg_id,
    registerId: d.register_id,
  };
  const events: WebhookEventInput[] = [
    { organizationId: d.organization_id, event: 'document.received', eventId: `document.received:${d.fn}:${d.fd}`, at: d.persisted_at, data: base },
  ];
  if (d.form === 5) {
    events.push({ organizationId: d.organization_id, event: 'shift.closed', eventId: `shift.closed:${d.fn}:${d.fd}`, at: d.persisted_at, data: base });
  }
  return events;
}

function fnsEvent(f: ScannedFnsStatus): WebhookEventInput {
  return {
    organizationId: f.organization_id,
    event: 'fns.status_changed',
    eventId: `fns.status_changed:${f.fn}:${f.fd}:${f.status}`,
    at: f.updated_at,
    data: { fn: f.fn, fd: f.fd, form: f.form, formName: formName(f.form) ?? null, status: f.status, errors: f.errors, at: f.updated_at.toISOString() },
  };
}

/** The dead letter of a webhook delivery failed for good: replayed through the notify queue, it makes the row due again. */
function webhookDeadLetter(d: DueWebhookDelivery, error: string): DeadLetterInput {
  const data = typeof d.payload['data'] === 'object' && d.payload['data'] !== null ? (d.payload['data'] as JsonObject) : undefined;
  const fn = data?.['fn'];
  const fd = data?.['fd'];
  const named = typeof fn === 'string' && typeof fd === 'number';
  const payload: JsonObject = named ? { fn, fd, channel: 'webhook', recipient: String(d.id) } : { channel: 'webhook', recipient: String(d.id) };
  const jobId = named ? `${notifyJobId(fn, fd, 'webhook')}-${d.id}` : `webhook-${d.id}`;
  return { queue: QueueNames.notify, jobId, jobName: JobNames.notify, payload, errorCode: 'WEBHOOK_FAILED', errorMessage: error, attempts: d.attempts };
}

/** One source of events: its rows in the scan window published, the window's end saved. */
async function scanSource<T>(
  db: Kysely<Database>,
  overlapMs: number,
  name: string,
  read: (from: Date, to: Date) => Promise<T[]>,
  at: (row: T) => Date,
  events: (row: T) => WebhookEventInput[],
): Promise<number> {
  const { from, to } = await scanWindow(db, name, overlapMs);
  const rows = await read(from, to);
  const created = await publishWebhookEvents(db, rows.flatMap(events));
  const last = rows.at(-1);
  await saveScanPosition(db, name, rows.length >= SCAN_LIMIT && last ? at(last) : to);
  return created;
}

/**
 * «Выгрузки» after each closed shift (issue 15): the same shift.closed events, for organizations with such a setting
 * (webhook subscriber or not), become export jobs — exactly once per shift by the job's period key, so the scan's
 * overlap, a restart before the position was saved, or a second notify worker make no second job.
 */
async function scheduleShiftClosedExports(db: Kysely<Database>, overlapMs: number): Promise<void> {
  const { from, to } = await scanWindow(db, 'shift_exports', overlapMs);
  const events = await scanShiftClosedEvents(db, from, to, SCAN_LIMIT);
  await scheduleShiftExports(db, events);
  const last = events.at(-1);
  await saveScanPosition(db, 'shift_exports', events.length >= SCAN_LIMIT && last ? last.persistedAt : to);
}

export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { db, sender, metrics } = options;
  const log = options.logger;
  const maxAttempts = options.maxAttempts ?? 8;
  const base = options.backoffBaseMs ?? 10_000;
  const max = options.backoffMaxMs ?? 3_600_000;
  const batchSize = options.batchSize ?? 50;
  const leaseMs = options.leaseMs ?? 60_000;
  const overlapMs = options.overlapMs ?? 60_000;
  const receivedWindowMs = options.receivedWindowMs ?? 6 * 3_600_000;

  async function deliver(d: DueWebhookDelivery): Promise<void> {
    let statusCode: number | null = null;
    await sendFromOutbox({
      target: 'webhook',
      metrics,
      send: async () => {
        const result = await sender.send({ url: d.url, secret: d.secret, deliveryId: d.id, event: d.event, body: JSON.stringify(d.payload) });
        statusCode = result.statusCode;
        return result.ok ? undefined : { code: 'WEBHOOK_FAILED', message: result.error, retryable: true };
      },
      isFinal: () => d.attempts >= maxAttempts,
      delivered: async () => void (await recordWebhookOutcome(db, d.id, { status: 'delivered', statusCode, error: null })),
      failed: async (f, final) => {
        const retryInMs = outboxBackoffMs(base, max, d.attempts);
        await recordWebhookOutcome(db, d.id, { status: final ? 'failed' : 'retrying', statusCode, error: f.message, retryInMs });
        if (!final) return;
        await recordDeadLetters(db, [webhookDeadLetter(d, f.message)]);
        log.warn({ deliveryId: d.id, event: d.event, err: f.message }, 'webhook delivery failed for good');
      },
    });
  }

  return {
    async scan() {
      const docs = await scanSource(
        db,
        overlapMs,
        'documents',
        (from, to) => scanPersistedDocuments(db, from, to, receivedWindowMs, SCAN_LIMIT),
        (d) => d.persisted_at,
        documentEvents,
      );
      const fns = await scanSource(db, overlapMs, 'fns_status', (from, to) => scanFnsStatusChanges(db, from, to, SCAN_LIMIT), (f) => f.updated_at, (f) => [fnsEvent(f)]);
      await scheduleShiftClosedExports(db, overlapMs);
      return docs + fns;
    },

    deliverDue: () =>
      dispatchDue(
        () => claimDueWebhookDeliveries(db, batchSize, leaseMs),
        (d) => deliver(d),
      ),
  };
}
