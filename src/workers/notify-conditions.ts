/**
 * Condition notifications (issue 7): evaluated periodically by the notify worker, per organization.
 *
 * Kinds (webhook event = kind):
 *   register.silent   — no document from a register for longer than max(3 × the median gap of its last 20 documents,
 *                       the organization's silent hours, default 24 h);
 *   fn.expiring       — the FN's forecast (registry-status fnForecast) ends in ≤ 30 and ≤ 3 days (two thresholds);
 *   fn.fill           — the FN's last FD is above 90 % of FN_DOCUMENT_CAPACITY (the fn-schedule report's fill);
 *   documents.unsent  — the FN has FD gaps (documents the OFD never received);
 *   flk.failed        — documents received since the last evaluation that failed the ФЛК (one per document);
 *   fns.rejected      — documents the FNS rejected since the last evaluation (one per document).
 * Each fires once per (organization, kind, subject, threshold) — notification_log — and state kinds re-arm when the
 * condition clears (their log row is deleted). Delivery: a webhook event through webhook_deliveries and, when an
 * EmailSender is given, an e-mail to the organization's owners and admins.
 */
import { sql, type Kysely } from 'kysely';
import type { EmailSender } from '../adapters/email/email-sender.js';
import { currentDrive, fnForecast } from '../api/registry-status.js';
import { drivesOfRegisters } from '../db/api-registry.repository.js';
import type { JsonObject } from '../db/column-types.js';
import type { Database } from '../db/database.js';
import { publishWebhookEvents, type WebhookEvent } from '../db/webhooks.repository.js';
import type { Logger } from '../observability/logger.js';
import { FN_DOCUMENT_CAPACITY } from '../reports/reports.js';

export const CONDITION_KINDS = ['register.silent', 'fn.expiring', 'fn.fill', 'documents.unsent', 'flk.failed', 'fns.rejected'] as const;
export type ConditionKind = (typeof CONDITION_KINDS)[number] & WebhookEvent;

const STATE_KINDS: readonly ConditionKind[] = ['register.silent', 'fn.expiring', 'fn.fill', 'documents.unsent'];
const HOUR_MS = 3_600_000;
export const DEFAULT_SILENT_HOURS = 24;
export const FN_EXPIRY_THRESHOLDS_DAYS = [30, 3] as const;
export const FN_FILL_THRESHOLD_PERCENT = 90;
const SCAN_STATE = 'notify_conditions';
const FIRST_LOOKBACK_MS = 24 * HOUR_MS;

export interface ConditionEvaluatorOptions {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly email?: EmailSender;
  /** The clock (tests). Default () => new Date(). */
  readonly now?: () => Date;
}

export interface ActiveCondition {
  readonly kind: ConditionKind;
  readonly subject: string;
  readonly threshold: string;
  readonly data: JsonObject;
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
  const { rows } = await sql<{ disabled_kinds: string[]; silent_after_hours: number | null }>`
    select disabled_kinds, silent_after_hours from notification_rules where organization_id = ${organizationId}
  `.execute(db);
  const r = rows[0];
  return { disabled: new Set(r?.disabled_kinds ?? []), silentAfterMs: (r?.silent_after_hours ?? DEFAULT_SILENT_HOURS) * HOUR_MS };
}

/** State conditions of one organization now: silent registers and FN ones. */
async function stateConditions(db: Kysely<Database>, organizationId: number, rules: Rules, now: Date): Promise<ActiveCondition[]> {
  const { rows: registers } = await sql<{ id: number; registration_number: string; status: string }>`
    select id::int as id, registration_number, status from registers where organization_id = ${organizationId} order by id
  `.execute(db);
  if (registers.length === 0) return [];
  const drives = await drivesOfRegisters(
    db,
    registers.map((r) => r.id),
  );
  const out: ActiveCondition[] = [];
  for (const reg of registers) {
    if (reg.status === 'deregistered') continue;
    const mine = drives.filter((d) => Number(d.effective_register_id) === reg.id);
    const current = currentDrive(mine);
    if (!current || current.closed_at !== null) continue;
    const base = { registerId: reg.id, registrationNumber: reg.registration_number, fn: current.fn };

    if (current.last_received_at !== null) {
      const { rows } = await sql<{ received_at: Date }>`
        select received_at from document_keys where fn = ${current.fn} order by fd desc limit 20
      `.execute(db);
      const times = rows.map((r) => new Date(r.received_at).getTime()).sort((a, b) => a - b);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      const rhythm = median(gaps);
      const silentAfterMs = Math.max(rules.silentAfterMs, rhythm === null ? 0 : rhythm * 3);
      if (now.getTime() - current.last_received_at.getTime() > silentAfterMs) {
        out.push({
          kind: 'register.silent',
          subject: `register:${reg.id}`,
          threshold: '',
          data: { ...base, lastReceivedAt: current.last_received_at.toISOString(), silentAfterHours: Math.round((silentAfterMs / HOUR_MS) * 100) / 100 },
        });
      }
    }

    const forecast = fnForecast(current, now);
    if (forecast.daysLeft !== null) {
      for (const days of FN_EXPIRY_THRESHOLDS_DAYS) {
        if (forecast.daysLeft <= days) {
          out.push({
            kind: 'fn.expiring',
            subject: `fn:${current.fn}`,
            threshold: `${days}d`,
            data: { ...base, daysLeft: forecast.daysLeft, thresholdDays: days, expiresOn: forecast.expiresOn, keyResourceEndsOn: forecast.keyResourceEndsOn },
          });
        }
      }
    }

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
  }
  return out.filter((c) => !rules.disabled.has(c.kind));
}

/** Document events in (from, to] of one organization: ФЛК failures (by persisted_at) and FNS rejections (by updated_at). */
async function eventConditions(db: Kysely<Database>, organizationId: number, rules: Rules, from: Date, to: Date): Promise<ActiveCondition[]> {
  const out: ActiveCondition[] = [];
  if (!rules.disabled.has('flk.failed')) {
    const { rows } = await sql<{ fn: string; fd: string; form: number; flk_codes: string[]; received_at: Date }>`
      select d.fn, d.fd::text as fd, d.form, d.flk_codes, d.received_at
        from documents d join registers g on g.id = d.register_id
       where g.organization_id = ${organizationId} and d.flk_status = 'failed' and d.persisted_at > ${from} and d.persisted_at <= ${to}
       order by d.persisted_at limit 1000
    `.execute(db);
    for (const r of rows) {
      out.push({ kind: 'flk.failed', subject: `document:${r.fn}:${r.fd}`, threshold: '', data: { fn: r.fn, fd: Number(r.fd), form: r.form, codes: r.flk_codes } });
    }
  }
  if (!rules.disabled.has('fns.rejected')) {
    const { rows } = await sql<{ fn: string; fd: string }>`
      select s.fn, s.fd::text as fd
        from fns_status s join documents d on d.fn = s.fn and d.fd = s.fd join registers g on g.id = d.register_id
       where g.organization_id = ${organizationId} and s.status = 'rejected' and s.updated_at > ${from} and s.updated_at <= ${to}
       order by s.updated_at limit 1000
    `.execute(db);
    for (const r of rows) {
      out.push({ kind: 'fns.rejected', subject: `document:${r.fn}:${r.fd}`, threshold: '', data: { fn: r.fn, fd: Number(r.fd) } });
    }
  }
  return out;
}

const SUBJECTS: Record<ConditionKind, string> = {
  'register.silent': 'Касса молчит',
  'fn.expiring': 'Срок ФН истекает',
  'fn.fill': 'ФН заполнен более чем на 90 %',
  'documents.unsent': 'Есть неполученные документы',
  'flk.failed': 'Документ не прошёл ФЛК',
  'fns.rejected': 'ФНС отклонила документ',
};

export function createConditionEvaluator(options: ConditionEvaluatorOptions): ConditionEvaluator {
  const { db, email } = options;
  const clock = options.now ?? (() => new Date());
  const log = options.logger;

  async function recipients(organizationId: number): Promise<string[]> {
    const { rows } = await sql<{ email: string }>`
      select u.email from memberships m join users u on u.id = m.user_id
       where m.organization_id = ${organizationId} and m.role in ('owner', 'admin') and u.status = 'active' order by u.email
    `.execute(db);
    return rows.map((r) => r.email);
  }

  async function deliver(organizationId: number, c: ActiveCondition, now: Date): Promise<void> {
    const eventId = `${c.kind}:${c.subject}:${c.threshold}:${now.getTime()}`;
    await publishWebhookEvents(db, [{ organizationId, event: c.kind, eventId, at: now, data: { ...c.data, threshold: c.threshold || null } }]);
    if (!email) return;
    for (const to of await recipients(organizationId)) {
      try {
        await email.send({ to, subject: SUBJECTS[c.kind], text: `${SUBJECTS[c.kind]}\n\n${JSON.stringify(c.data, null, 2)}\n` });
      } catch (e) {
        log.warn({ err: (e as Error).message, kind: c.kind }, 'condition e-mail not sent');
      }
    }
  }

  return {
    async evaluate() {
      const now = clock();
      const { rows: state } = await sql<{ scanned_to: Date }>`select scanned_to from webhook_scan_state where name = ${SCAN_STATE}`.execute(db);
      const from = state[0]?.scanned_to ?? new Date(now.getTime() - FIRST_LOOKBACK_MS);
      const { rows: orgs } = await sql<{ id: number }>`select id::int as id from organizations order by id`.execute(db);
      const fired: Array<ActiveCondition & { organizationId: number }> = [];
      for (const { id: organizationId } of orgs) {
        const rules = await rulesOf(db, organizationId);
        const active = [...(await stateConditions(db, organizationId, rules, now)), ...(await eventConditions(db, organizationId, rules, from, now))];
        // Re-arm: state conditions no longer active lose their log row.
        const keep = active.filter((c) => STATE_KINDS.includes(c.kind)).map((c) => `${c.kind}|${c.subject}|${c.threshold}`);
        await sql`
          delete from notification_log
           where organization_id = ${organizationId} and kind = any (${[...STATE_KINDS]}::text[])
             and not (kind || '|' || subject || '|' || threshold = any (${keep}::text[]))
        `.execute(db);
        for (const c of active) {
          const inserted = await sql`
            insert into notification_log (organization_id, kind, subject, threshold, fired_at)
            values (${organizationId}, ${c.kind}, ${c.subject}, ${c.threshold}, ${now})
            on conflict do nothing
          `.execute(db);
          if ((inserted.numAffectedRows ?? 0n) === 0n) continue;
          fired.push({ ...c, organizationId });
          await deliver(organizationId, c, now);
        }
      }
      await sql`
        insert into webhook_scan_state (name, scanned_to) values (${SCAN_STATE}, ${now})
        on conflict (name) do update set scanned_to = excluded.scanned_to
      `.execute(db);
      return fired;
    },
  };
}
