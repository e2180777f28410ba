// Condition notifications (issue 7) on real PostgreSQL: state built with direct inserts, the evaluator called directly
// with an injected clock; webhook deliveries read back from webhook_deliveries, e-mails queued in notification_emails
// and sent by the notify worker's dispatcher to an in-process SMTP sink.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailSender } from '../../../src/adapters/email/email-sender.js';
import { createSmtpEmailSender } from '../../../src/adapters/email/smtp-email-sender.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createConditionEmailDispatcher, type ConditionEmailDispatcher } from '../../../src/workers/notify/condition-emails.js';
import { createConditionEvaluator, type ConditionEvaluator } from '../../../src/workers/notify/conditions.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { startSmtpSink, type SmtpSink } from '../api/api-test-helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FN = '9999078900011001';
const OWNER = 'owner@conditions.test';
const VIEWER = 'viewer@conditions.test';

let t: TestDatabase;
let smtp: SmtpSink;
let email: EmailSender;
let evaluator: ConditionEvaluator;
let dispatcher: ConditionEmailDispatcher;
let clock: Date;
let organizationId: number;
let registerId: number;
const T0 = Date.now() + 60_000;

const at = (ms: number) => new Date(ms);
const fired = async (ms: number) => {
  clock = at(ms);
  return (await evaluator.evaluate()).map((c) => `${c.kind}|${c.subject}|${c.threshold}`).sort();
};

async function addDocumentKey(fd: number, receivedAt: Date): Promise<void> {
  await sql`insert into document_keys (fn, fd, received_at) values (${FN}, ${fd}, ${receivedAt})`.execute(t.db);
}

async function deliveries(event: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries where event = ${event}`.execute(t.db);
  return rows[0]!.n;
}

beforeAll(async () => {
  t = await createTestDatabase();
  smtp = await startSmtpSink();
  email = createSmtpEmailSender({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'OFD <alerts@ofd.test>' });
  evaluator = createConditionEvaluator({ db: t.db, logger: silentLogger(), emails: true, now: () => clock });
  dispatcher = createConditionEmailDispatcher({ db: t.db, email, logger: silentLogger() });
  const db = t.db;
  organizationId = (
    await sql<{ id: number }>`insert into organizations (inn, name) values (${withInnCheckDigits('770200011')}, 'ООО Условия') returning id::int as id`.execute(db)
  ).rows[0]!.id;
  registerId = (
    await sql<{ id: number }>`insert into registers (registration_number, organization_id, status) values ('0000000000011001', ${organizationId}, 'active') returning id::int as id`.execute(
      db,
    )
  ).rows[0]!.id;
  // The FN's validity (15 months) ends about 20 days after T0; it is 92 % full.
  const reg = new Date(T0 + 3 * HOUR + 20.5 * DAY);
  reg.setUTCMonth(reg.getUTCMonth() - 15);
  await sql`insert into fiscal_drives (fn, register_id, registered_at, validity_months, first_fd, last_fd)
            values (${FN}, ${registerId}, ${reg.toISOString().slice(0, 19)}, 15, 1, 230000)`.execute(db);
  for (let i = 0; i < 10; i++) await addDocumentKey(229991 + i, at(T0 - (10 - i) * HOUR));
  await sql`insert into fd_gaps (fn, from_fd, to_fd) values (${FN}, 100, 101)`.execute(db);
  for (const [mail, role] of [
    [OWNER, 'owner'],
    [VIEWER, 'viewer'],
  ] as const) {
    const uid = (
      await sql<{ id: number }>`insert into users (email, password_hash, status) values (${mail}, 'x', 'active') returning id::int as id`.execute(db)
    ).rows[0]!.id;
    await sql`insert into memberships (organization_id, user_id, role) values (${organizationId}, ${uid}, ${role})`.execute(db);
  }
  await sql`insert into webhook_subscriptions (organization_id, url, events, secret)
            values (${organizationId}, 'http://127.0.0.1:9/hooks',
                    ${['register.silent', 'fn.expiring', 'fn.fill', 'documents.unsent', 'flk.failed', 'fns.rejected', 'ofd.expiring']}::text[], 's')`.execute(db);
});

afterAll(async () => {
  await email?.close();
  await smtp?.close();
  await t?.drop();
});

describe('condition notifications', () => {
  it('fires FN expiry (30 d), fill and unsent documents once, with webhook deliveries and e-mail to owners/admins', async () => {
    expect(await fired(T0)).toEqual([`documents.unsent|fn:${FN}|`, `fn.expiring|fn:${FN}|30d`, `fn.fill|fn:${FN}|90%`]);
    expect(await deliveries('fn.expiring')).toBe(1);
    expect(await deliveries('fn.fill')).toBe(1);
    expect(await deliveries('documents.unsent')).toBe(1);
    // One e-mail per firing, to the owner only, queued with the firing and sent by the dispatcher.
    expect(await dispatcher.deliverDue()).toBe(3);
    const subjects = [await smtp.next(OWNER), await smtp.next(OWNER), await smtp.next(OWNER)].map((m) => m.subject).sort();
    expect(subjects).toEqual(['Есть неполученные документы', 'Срок ФН истекает', 'ФН заполнен более чем на 90 %']);
    expect(smtp.mails.filter((m) => JSON.stringify(m.to).includes(VIEWER))).toHaveLength(0);
    expect(await dispatcher.deliverDue()).toBe(0);

    expect(await fired(T0 + 60_000)).toEqual([]);
    expect(await deliveries('fn.expiring')).toBe(1);
  });

  it('re-arms unsent documents when the gaps clear', async () => {
    await sql`delete from fd_gaps where fn = ${FN}`.execute(t.db);
    expect(await fired(T0 + 2 * 60_000)).toEqual([]);
    await sql`insert into fd_gaps (fn, from_fd, to_fd) values (${FN}, 200, 200)`.execute(t.db);
    expect(await fired(T0 + 3 * 60_000)).toEqual([`documents.unsent|fn:${FN}|`]);
    expect(await deliveries('documents.unsent')).toBe(2);
  });

  it('fires register.silent after 24 h without documents, once, and again after it spoke and fell silent', async () => {
    expect(await fired(T0 + 20 * HOUR)).toEqual([]);
    expect(await fired(T0 + 25 * HOUR)).toEqual([`register.silent|register:${registerId}|`]);
    expect(await fired(T0 + 26 * HOUR)).toEqual([]);
    await addDocumentKey(230001, at(T0 + 26 * HOUR));
    await sql`update fiscal_drives set last_fd = 230001 where fn = ${FN}`.execute(t.db);
    expect(await fired(T0 + 27 * HOUR)).toEqual([]);
    expect(await fired(T0 + 51 * HOUR)).toEqual([`register.silent|register:${registerId}|`]);
    expect(await deliveries('register.silent')).toBe(2);
  });

  it('fires the 3-day FN expiry threshold', async () => {
    const names = await fired(T0 + 18 * DAY);
    expect(names).toContain(`fn.expiring|fn:${FN}|3d`);
    expect(await fired(T0 + 18 * DAY + 60_000)).toEqual([]);
  });

  it('fires ФЛК failures and FNS rejections since the last evaluation, once each', async () => {
    const received = at(T0 + 18 * DAY + 90_000);
    await addDocumentKey(230002, received);
    await sql`insert into documents (fn, fd, received_at, persisted_at, form, register_id, raw_container, sign_status, flk_status, flk_codes)
              values (${FN}, 230002, ${received}, ${received}, 3, ${registerId}, '\\x00'::bytea, 'verified', 'failed', ${['1054']}::text[])`.execute(t.db);
    await sql`insert into fns_status (fn, fd, status, updated_at) values (${FN}, 230002, 'rejected', ${received})`.execute(t.db);
    expect(await fired(T0 + 18 * DAY + 120_000)).toEqual([`flk.failed|document:${FN}:230002|`, `fns.rejected|document:${FN}:230002|`]);
    expect(await fired(T0 + 18 * DAY + 180_000)).toEqual([]);
    expect(await deliveries('flk.failed')).toBe(1);
    expect(await deliveries('fns.rejected')).toBe(1);
  });

  it('honours per-organization rules: disabled kinds do not fire', async () => {
    await sql`delete from notification_log where organization_id = ${organizationId} and kind = 'fn.fill'`.execute(t.db);
    await sql`insert into notification_rules (organization_id, disabled_kinds) values (${organizationId}, ${['fn.fill']}::text[])`.execute(t.db);
    expect(await fired(T0 + 18 * DAY + 240_000)).not.toContain(`fn.fill|fn:${FN}|90%`);
  });

  it('fires ofd.expiring at 30, 7 and 1 days before the register’s OFD service ends, and re-arms when it is extended', async () => {
    const now = T0 + 18 * DAY + 300_000;
    // The service's last day, as a Moscow calendar date `days` after the Moscow date of `now`.
    const moscowDayPlus = (days: number) => new Date(now + 3 * HOUR + days * DAY).toISOString().slice(0, 10);
    await sql`insert into ofd_services (register_id, service_until) values (${registerId}, ${moscowDayPlus(31)})`.execute(t.db);
    expect(await fired(now)).toEqual([]);
    await sql`update ofd_services set service_until = ${moscowDayPlus(30)} where register_id = ${registerId}`.execute(t.db);
    expect(await fired(now + 60_000)).toEqual([`ofd.expiring|register:${registerId}|30d`]);
    expect(await fired(now + 120_000)).toEqual([]);
    await sql`update ofd_services set service_until = ${moscowDayPlus(6)} where register_id = ${registerId}`.execute(t.db);
    expect(await fired(now + 150_000)).toEqual([`ofd.expiring|register:${registerId}|7d`]);
    await sql`update ofd_services set service_until = ${moscowDayPlus(1)} where register_id = ${registerId}`.execute(t.db);
    expect(await fired(now + 180_000)).toEqual([`ofd.expiring|register:${registerId}|1d`]);
    const { rows } = await sql<{ payload: { data: Record<string, unknown> } }>`
      select payload from webhook_deliveries where event = 'ofd.expiring' order by id`.execute(t.db);
    expect(rows.map((r) => r.payload.data)).toEqual([
      { registerId, registrationNumber: '0000000000011001', serviceUntil: moscowDayPlus(30), daysLeft: 30, thresholdDays: 30, threshold: '30d' },
      { registerId, registrationNumber: '0000000000011001', serviceUntil: moscowDayPlus(6), daysLeft: 6, thresholdDays: 7, threshold: '7d' },
      { registerId, registrationNumber: '0000000000011001', serviceUntil: moscowDayPlus(1), daysLeft: 1, thresholdDays: 1, threshold: '1d' },
    ]);
    // Extended by a year: both thresholds clear, and fire again as the new end nears.
    await sql`update ofd_services set service_until = ${moscowDayPlus(365)} where register_id = ${registerId}`.execute(t.db);
    expect(await fired(now + 240_000)).toEqual([]);
    await sql`update ofd_services set service_until = ${moscowDayPlus(10)} where register_id = ${registerId}`.execute(t.db);
    expect(await fired(now + 300_000)).toEqual([`ofd.expiring|register:${registerId}|30d`]);
  });
});
