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
 * come from notify-conditions.ts, published into the same deliveries table.
 *
 * The scan reads (last end − overlap, now] of each source; an event found twice is logged once (unique event id per
 * subscription), so the overlap only guards against transactions that committed late. Several notify workers may scan
 * and send at once: deliveries are claimed with a lease (`for update skip locked`).
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { formName } from '../../../protocol/tags/index.js';
import type { WebhookSender } from '../../adapters/webhooks/webhook-sender.js';
import type { JsonObject } from '../../db/column-types.js';
import type { Database } from '../../db/database.js';
import { recordDeadLetters } from '../../db/dead-letters.repository.js';
import {
  claimDueWebhookDeliveries,
  publishWebhookEvents,
  recordWebhookOutcome,
  saveScanPosition,
  scanFnsStatusChanges,
  scanPersistedDocuments,
  scanWindow,
  type ScannedDocument,
  type ScannedFnsStatus,
  type WebhookEventInput,
} from '../../db/webhooks.repository.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { scanShiftClosedEvents, scheduleShiftExports } from '../../exports/export-schedule.js';
import { notifyJobId } from '../../queue/job-ids.js';
import { JobNames } from '../../queue/jobs.js';
import { QueueNames } from '../../queue/queue-names.js';

export interface WebhookDispatcherOptions {
  readonly db: Kysely<Database>;
  readonly sender: WebhookSender;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Attempts per delivery before it is failed (and dead-lettered). Default 8. */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt. Default 10 s. */
  readonly backoffBaseMs?: number;
  /** Longest retry delay. Default 1 h. */
  readonly backoffMaxMs?: number;
  /** Deliveries claimed per round. Default 50. */
  readonly batchSize?: number;
  /** A claimed delivery not recorded within this is claimed again. Default 60 s. */
  readonly leaseMs?: number;
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

/** Makes a delivery due again with a fresh set of attempts (a dead letter replayed through the notify queue). */
export async function rearmWebhookDelivery(db: Kysely<Database>, deliveryId: number): Promise<boolean> {
  const r = await sql`
    update webhook_deliveries set status = 'pending', attempts = 0, next_attempt_at = now(), lease_until = null, replays = replays + 1, updated_at = now()
     where id = ${deliveryId} and status <> 'delivered'
  `.execute(db);
  return (r.numAffectedRows ?? 0n) > 0n;
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

  async function scanSource<T>(name: string, read: (from: Date, to: Date) => Promise<T[]>, at: (row: T) => Date, events: (row: T) => WebhookEventInput[]): Promise<number> {
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
  async function scheduleShiftClosedExports(): Promise<void> {
    const { from, to } = await scanWindow(db, 'shift_exports', overlapMs);
    const events = await scanShiftClosedEvents(db, from, to, SCAN_LIMIT);
    await scheduleShiftExports(db, events);
    const last = events.at(-1);
    await saveScanPosition(db, 'shift_exports', events.length >= SCAN_LIMIT && last ? last.persistedAt : to);
  }

  return {
    async scan() {
      const docs = await scanSource(
        'documents',
        (from, to) => scanPersistedDocuments(db, from, to, receivedWindowMs, SCAN_LIMIT),
        (d) => d.persisted_at,
        documentEvents,
      );
      const fns = await scanSource('fns_status', (from, to) => scanFnsStatusChanges(db, from, to, SCAN_LIMIT), (f) => f.updated_at, (f) => [fnsEvent(f)]);
      await scheduleShiftClosedExports();
      return docs + fns;
    },

    async deliverDue() {
      const due = await claimDueWebhookDeliveries(db, batchSize, leaseMs);
      await Promise.all(
        due.map(async (d) => {
          const end = metrics?.forward.latency.startTimer({ target: 'webhook' });
          const result = await sender.send({ url: d.url, secret: d.secret, deliveryId: d.id, event: d.event, body: JSON.stringify(d.payload) });
          end?.();
          if (result.ok) {
            await recordWebhookOutcome(db, d.id, { status: 'delivered', statusCode: result.statusCode, error: null });
            metrics?.forward.total.inc({ target: 'webhook', result: 'ok' });
            return;
          }
          const final = d.attempts >= maxAttempts;
          await recordWebhookOutcome(db, d.id, {
            status: final ? 'failed' : 'retrying',
            statusCode: result.statusCode,
            error: result.error,
            retryInMs: Math.min(max, base * 2 ** (d.attempts - 1)),
          });
          metrics?.forward.total.inc({ target: 'webhook', result: final ? 'failed' : 'retry' });
          if (final) {
            const fn = typeof d.payload['data'] === 'object' && d.payload['data'] !== null ? (d.payload['data'] as JsonObject)['fn'] : undefined;
            const fd = typeof d.payload['data'] === 'object' && d.payload['data'] !== null ? (d.payload['data'] as JsonObject)['fd'] : undefined;
            const payload: JsonObject = typeof fn === 'string' && typeof fd === 'number' ? { fn, fd, channel: 'webhook', recipient: String(d.id) } : { channel: 'webhook', recipient: String(d.id) };
            const jobId = typeof fn === 'string' && typeof fd === 'number' ? `${notifyJobId(fn, fd, 'webhook')}-${d.id}` : `webhook-${d.id}`;
            await recordDeadLetters(db, [
              { queue: QueueNames.notify, jobId, jobName: JobNames.notify, payload, errorCode: 'WEBHOOK_FAILED', errorMessage: result.error, attempts: d.attempts },
            ]);
            log.warn({ deliveryId: d.id, event: d.event, err: result.error }, 'webhook delivery failed for good');
          }
        }),
      );
      return due.length;
    },
  };
}
