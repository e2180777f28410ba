/**
 * Condition notifications (issue 7): evaluated periodically by the notify worker, per organization.
 *
 * Kinds (webhook event = kind; src/domain/notification-kinds.ts):
 *   register.silent   — no document from a register for longer than max(3 × the median gap of its last 20 documents,
 *                       the organization's silent hours, default 24 h);
 *   fn.expiring       — the FN's replace-by date (src/domain/fn-end-date.ts, as the report and the API) is in ≤ 30 and
 *                       ≤ 3 days (two thresholds), with its reason;
 *   fn.fill           — the FN's last FD is above 90 % of FN_DOCUMENT_CAPACITY (the fn-schedule report's fill);
 *   documents.unsent  — the FN has FD gaps (documents the OFD never received);
 *   flk.failed        — documents received since the last evaluation that failed the ФЛК (one per document);
 *   fns.rejected      — documents the FNS rejected since the last evaluation (one per document);
 *   ofd.expiring      — the register's paid OFD service (ofd_services, derived from the paid periods) ends in ≤ 30, ≤ 7 and ≤ 1 days;
 *   branding.expiring — the organization's branded e-receipt service ends in ≤ 30, ≤ 7, ≤ 1 days, or has ended
 *                       (paid-period-conditions.ts, with ofd.expiring).
 * Each fires once per (organization, kind, subject, threshold) — notification_log — and state kinds re-arm when the
 * condition clears (their log row is deleted). A firing is recorded (notification_events), its webhook deliveries and
 * its e-mails to the organization's owners and admins (and accountants, for the billing kinds) queued
 * (webhook_deliveries, notification_emails) in one transaction: the notify worker sends them from there, with
 * retries, so an SMTP or webhook outage loses nothing. Several workers may evaluate at once: notification_log's key
 * lets one of them record a firing, the others' transactions record and queue nothing.
 */
import type { Kysely } from 'kysely';
import { currentDrive, fnForecast } from '../../domain/registry-status.js';
import { BILLING_KINDS, DEFAULT_SILENT_HOURS, NOTIFICATION_KINDS, NOTIFICATION_TITLES, STATE_KINDS } from '../../domain/notification-kinds.js';
import { drivesOfRegisters } from '../../db/api-registry.repository.js';
import type { JsonObject } from '../../db/column-types.js';
import type { Database } from '../../db/database.js';
import {
  conditionRegisters,
  flkFailedDocuments,
  fnsRejectedDocuments,
  lastReceivedTimes,
  organizationIds,
  saveScannedTo,
  scannedTo,
  type ConditionRegister,
} from '../../db/notification-conditions.repository.js';
import { disarmCleared, enqueueNotificationEmails, findNotificationRules, recordFiring } from '../../db/notifications.repository.js';
import { publishWebhookEvents, type WebhookEvent } from '../../db/webhooks.repository.js';
import type { Logger } from '../../observability/logger.js';
import { FN_DOCUMENT_CAPACITY } from '../../domain/fn-end-date.js';
import { brandedServiceConditions, ofdServiceConditions } from './paid-period-conditions.js';

export const CONDITION_KINDS = NOTIFICATION_KINDS;
// Every kind is published as the webhook event of the same name: a kind missing from WEBHOOK_EVENTS drops out of this
// type, so code emitting it does not compile (and test/unit/notify/ofd-service.test.ts compares the two lists).
export type ConditionKind = (typeof CONDITION_KINDS)[number] & WebhookEvent;

const HOUR_MS = 3_600_000;
export const FN_EXPIRY_THRESHOLDS_DAYS = [30, 3] as const;
export const FN_FILL_THRESHOLD_PERCENT = 90;
const SCAN_STATE = 'notify_conditions';
const FIRST_LOOKBACK_MS = 24 * HOUR_MS;
/** Who gets the e-mails of BILLING_KINDS: the accountant pays (issue 16). */
const BILLING_ROLES = ['owner', 'admin', 'accountant'] as const;

export interface ConditionEvaluatorOptions {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  /**
   * Queue an e-mail per firing to the organization's owners and admins (notification_emails; the notify worker sends
   * them). Off when no SMTP is configured: nothing would drain the outbox. Default false.
   */
  readonly emails?: boolean;
  /** The clock (tests). Default () => new Date(). */
  readonly now?: () => Date;
  /** The cabinet's public URL (OFD_PUBLIC_URL), for links in the e-mails; without it they name the cabinet's path. */
  readonly cabinetUrl?: string | undefined;
}

export interface ActiveCondition {
  readonly kind: ConditionKind;
  readonly subject: string;
  readonly threshold: string;
  readonly data: JsonObject;
  /** The e-mail, when the kind words its own; else the kind's title and the data (conditionEmail). */
  readonly mail?: { readonly subject: string; readonly text: string };
}

export interface ConditionEvaluator {
  /** One evaluation of every organization; returns the conditions that fired (newly). */
  evaluate(): Promise<Array<ActiveCondition & { organizationId: number }>>;
}

interface Rules {
  disabled: ReadonlySet<string>;
  silentAfterMs: number;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function rulesOf(db: Kysely<Database>, organizationId: number): Promise<Rules> {
  const r = await findNotificationRules(db, organizationId);
  return { disabled: new Set(r?.disabled_kinds ?? []), silentAfterMs: (r?.silent_after_hours ?? DEFAULT_SILENT_HOURS) * HOUR_MS };
}

/** A drive row as drivesOfRegisters reads it (currentDrive keeps the row's own type). */
type Drive = Awaited<ReturnType<typeof drivesOfRegisters>>[number];
type Base = { registerId: number; registrationNumber: string; fn: string };

/** `register.silent`: no document for longer than max(3 × the median gap of its last 20 documents, the silent hours). */
async function silentCondition(db: Kysely<Database>, reg: ConditionRegister, current: Drive, base: Base, rules: Rules, now: Date): Promise<ActiveCondition[]> {
  if (current.last_received_at === null) return [];
  const times = (await lastReceivedTimes(db, current.fn, 20)).map((t) => new Date(t).getTime()).sort((a, b) => a - b);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const rhythm = median(gaps);
  const silentAfterMs = Math.max(rules.silentAfterMs, rhythm === null ? 0 : rhythm * 3);
  if (now.getTime() - current.last_received_at.getTime() <= silentAfterMs) return [];
  return [
    {
      kind: 'register.silent',
      subject: `register:${reg.id}`,
      threshold: '',
      data: { ...base, lastReceivedAt: current.last_received_at.toISOString(), silentAfterHours: Math.round((silentAfterMs / HOUR_MS) * 100) / 100 },
    },
  ];
}

/** `fn.expiring`: one condition per threshold the FN's replace-by date is within. */
function expiringConditions(current: Drive, base: Base, now: Date): ActiveCondition[] {
  const forecast = fnForecast(current, now);
  if (forecast.daysLeft === null) return [];
  const daysLeft = forecast.daysLeft;
  return FN_EXPIRY_THRESHOLDS_DAYS.filter((days) => daysLeft <= days).map((days) => ({
    kind: 'fn.expiring',
    subject: `fn:${current.fn}`,
    threshold: `${days}d`,
    data: {
      ...base,
      daysLeft,
      thresholdDays: days,
      replaceBy: forecast.replaceBy,
      reason: forecast.reason,
      reasonText: forecast.reasonText,
      expiresOn: forecast.expiresOn,
      keyResourceEndsOn: forecast.keyResourceEndsOn,
      fullOn: forecast.fullOn,
    },
  }));
}

/** `fn.fill` and `documents.unsent` of the current FN. */
function driveConditions(current: Drive, base: Base): ActiveCondition[] {
  const out: ActiveCondition[] = [];
  const lastFd = current.last_fd === null ? null : Number(current.last_fd);
  if (lastFd !== null) {
    const fillPercent = (lastFd / FN_DOCUMENT_CAPACITY) * 100;
    if (fillPercent > FN_FILL_THRESHOLD_PERCENT) {
      out.push({ kind: 'fn.fill', subject: `fn:${current.fn}`, threshold: `${FN_FILL_THRESHOLD_PERCENT}%`, data: { ...base, lastFd, fillPercent: Number(fillPercent.toFixed(2)) } });
    }
  }
  if (current.gap_count > 0) {
    out.push({ kind: 'documents.unsent', subject: `fn:${current.fn}`, threshold: '', data: { ...base, gaps: current.gap_count, missingFds: current.missing_fds } });
  }
  return out;
}

/** State conditions of one organization now: the branded service's end, silent registers, FN ones, the OFD service end. */
async function stateConditions(db: Kysely<Database>, organizationId: number, rules: Rules, now: Date, cabinetUrl: string | undefined): Promise<ActiveCondition[]> {
  const branded = await brandedServiceConditions(db, organizationId, now, cabinetUrl);
  const registers = await conditionRegisters(db, organizationId);
  return [...branded, ...(await registerConditions(db, registers, rules, now))].filter((c) => !rules.disabled.has(c.kind));
}

/** Per register: the OFD service end, silence, the current FN's expiry, fill and gaps. */
async function registerConditions(db: Kysely<Database>, registers: ConditionRegister[], rules: Rules, now: Date): Promise<ActiveCondition[]> {
  if (registers.length === 0) return [];
  const drives = await drivesOfRegisters(
    db,
    registers.map((r) => r.id),
  );
  const out: ActiveCondition[] = [];
  for (const reg of registers) {
    if (reg.status === 'deregistered') continue;
    // The service is the register's, whatever state its FN is in.
    out.push(...ofdServiceConditions(reg, now));
    const mine = drives.filter((d) => Number(d.effective_register_id) === reg.id);
    const current = currentDrive(mine);
    if (!current || current.closed_at !== null) continue;
    const base = { registerId: reg.id, registrationNumber: reg.registration_number, fn: current.fn };
    out.push(...(await silentCondition(db, reg, current, base, rules, now)), ...expiringConditions(current, base, now), ...driveConditions(current, base));
  }
  return out;
}

/** Document events in (from, to] of one organization: ФЛК failures (by persisted_at) and FNS rejections (by updated_at). */
async function eventConditions(db: Kysely<Database>, organizationId: number, rules: Rules, from: Date, to: Date): Promise<ActiveCondition[]> {
  const out: ActiveCondition[] = [];
  if (!rules.disabled.has('flk.failed')) {
    for (const r of await flkFailedDocuments(db, organizationId, from, to)) {
      out.push({ kind: 'flk.failed', subject: `document:${r.fn}:${r.fd}`, threshold: '', data: { fn: r.fn, fd: Number(r.fd), form: r.form, codes: r.flk_codes } });
    }
  }
  if (!rules.disabled.has('fns.rejected')) {
    for (const r of await fnsRejectedDocuments(db, organizationId, from, to)) {
      out.push({ kind: 'fns.rejected', subject: `document:${r.fn}:${r.fd}`, threshold: '', data: { fn: r.fn, fd: Number(r.fd) } });
    }
  }
  return out;
}

/** The e-mail of a firing: the kind's title and its data. */
function conditionEmail(c: ActiveCondition): { subject: string; text: string } {
  const title = NOTIFICATION_TITLES[c.kind];
  return { subject: title, text: `${title}\n\n${JSON.stringify(c.data, null, 2)}\n` };
}

export function createConditionEvaluator(options: ConditionEvaluatorOptions): ConditionEvaluator {
  const { db } = options;
  const clock = options.now ?? (() => new Date());
  const log = options.logger;
  const emails = options.emails ?? false;

  /** Records the firing and queues its deliveries, all or nothing; false when it had fired already. */
  async function fire(organizationId: number, c: ActiveCondition, now: Date): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const eventId = await recordFiring(trx, { organizationId, kind: c.kind, subject: c.subject, threshold: c.threshold, data: c.data, firedAt: now });
      if (eventId === undefined) return false;
      const webhookEventId = `${c.kind}:${c.subject}:${c.threshold}:${now.getTime()}`;
      await publishWebhookEvents(trx, [{ organizationId, event: c.kind, eventId: webhookEventId, at: now, data: { ...c.data, threshold: c.threshold || null } }]);
      if (emails) await enqueueNotificationEmails(trx, eventId, organizationId, c.mail ?? conditionEmail(c), BILLING_KINDS.includes(c.kind) ? BILLING_ROLES : undefined);
      return true;
    });
  }

  return {
    async evaluate() {
      const now = clock();
      const from = (await scannedTo(db, SCAN_STATE)) ?? new Date(now.getTime() - FIRST_LOOKBACK_MS);
      const orgs = await organizationIds(db);
      const fired: Array<ActiveCondition & { organizationId: number }> = [];
      for (const organizationId of orgs) {
        const rules = await rulesOf(db, organizationId);
        const active = [...(await stateConditions(db, organizationId, rules, now, options.cabinetUrl)), ...(await eventConditions(db, organizationId, rules, from, now))];
        // Re-arm: state conditions no longer active lose their log row.
        const keep = active.filter((c) => STATE_KINDS.includes(c.kind)).map((c) => `${c.kind}|${c.subject}|${c.threshold}`);
        await disarmCleared(db, organizationId, STATE_KINDS, keep);
        for (const c of active) {
          if (!(await fire(organizationId, c, now))) continue;
          fired.push({ ...c, organizationId });
          log.debug({ organizationId, kind: c.kind, subject: c.subject, threshold: c.threshold }, 'condition fired');
        }
      }
      await saveScannedTo(db, SCAN_STATE, now);
      return fired;
    },
  };
}
