// Condition e-mails are durable (issue 7): queued in notification_emails in the transaction that records the firing, and
// sent by the notify worker's dispatcher with retries and backoff, through the real SMTP adapter to an in-process SMTP
// server that refuses chosen recipients (451: try later; 550: refused for good). Real PostgreSQL.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailSender } from '../../../src/adapters/email/email-sender.js';
import { createSmtpEmailSender } from '../../../src/adapters/email/smtp-email-sender.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createConditionEmailDispatcher, type ConditionEmailDispatcher } from '../../../src/workers/notify/condition-emails.js';
import { createConditionEvaluator } from '../../../src/workers/notify/conditions.js';
import { createNotifyProcessor } from '../../../src/workers/notify/receipts.processor.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { startSmtpSink, type SmtpSink } from '../api/api-test-helpers.js';
import { waitFor } from '../workers/worker-test-helpers.js';

const DAY = 86_400_000;
const FLAKY = 'flaky@alerts.test';
const DOWN = 'down@alerts.test';
const REFUSED = 'refused@alerts.test';
const MAX_ATTEMPTS = 4;
const BACKOFF_MS = 300;

let t: TestDatabase;
let smtp: SmtpSink;
let email: EmailSender;
let dispatcher: ConditionEmailDispatcher;
let organizationId: number;
/** How many more messages to FLAKY the sink refuses with 451. */
let flakyRefusals = 2;
/** Whether DOWN's mailbox refuses (451) every message. */
let downIsDown = true;

interface OutboxRow {
  id: number;
  recipient: string;
  status: string;
  attempts: number;
  last_error_code: string | null;
}
async function outbox(): Promise<Map<string, OutboxRow>> {
  const { rows } = await sql<OutboxRow>`select id::int as id, recipient, status, attempts, last_error_code from notification_emails order by id`.execute(t.db);
  return new Map(rows.map((r) => [r.recipient, r]));
}
const offeredTo = (to: string) => smtp.offered.filter((r) => r.includes(to)).length;
const acceptedTo = (to: string) => smtp.mails.filter((m) => JSON.stringify(m.to).toLowerCase().includes(to)).length;

async function addMember(mail: string, role: string): Promise<void> {
  const uid = (await sql<{ id: number }>`insert into users (email, password_hash, status) values (${mail}, 'x', 'active') returning id::int as id`.execute(t.db)).rows[0]!.id;
  await sql`insert into memberships (organization_id, user_id, role) values (${organizationId}, ${uid}, ${role})`.execute(t.db);
}

beforeAll(async () => {
  t = await createTestDatabase();
  smtp = await startSmtpSink({
    refuse: (to) => {
      if (to.includes(REFUSED)) return 550;
      if (to.includes(DOWN) && downIsDown) return 451;
      if (to.includes(FLAKY) && flakyRefusals > 0) {
        flakyRefusals--;
        return 451;
      }
      return undefined;
    },
  });
  email = createSmtpEmailSender({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'OFD <alerts@ofd.test>' });
  dispatcher = createConditionEmailDispatcher({ db: t.db, email, logger: silentLogger(), maxAttempts: MAX_ATTEMPTS, backoffBaseMs: BACKOFF_MS });
  organizationId = (
    await sql<{ id: number }>`insert into organizations (inn, name) values (${withInnCheckDigits('770200033')}, 'ООО Письма') returning id::int as id`.execute(t.db)
  ).rows[0]!.id;
  await addMember(FLAKY, 'owner');
  await addMember(DOWN, 'admin');
  await addMember(REFUSED, 'admin');
  await addMember('viewer@alerts.test', 'viewer');
});

afterAll(async () => {
  await email?.close();
  await smtp?.close();
  await t?.drop();
});

/** A register whose OFD service ends in 10 days: one `ofd.expiring` (30 d) condition. */
async function registerWithServiceEnding(registrationNumber: string, now: Date): Promise<void> {
  const id = (
    await sql<{ id: number }>`insert into registers (registration_number, organization_id, status) values (${registrationNumber}, ${organizationId}, 'active') returning id::int as id`.execute(
      t.db,
    )
  ).rows[0]!.id;
  const until = new Date(now.getTime() + 3 * 3_600_000 + 10 * DAY).toISOString().slice(0, 10);
  await sql`insert into ofd_services (register_id, service_until) values (${id}, ${until})`.execute(t.db);
}

describe('condition e-mails', () => {
  it('are queued in the same transaction as the firing: when queueing fails, nothing is recorded and it fires later', async () => {
    const now = new Date();
    await registerWithServiceEnding('0000000000033001', now);
    const evaluator = createConditionEvaluator({ db: t.db, logger: silentLogger(), emails: true, now: () => now });
    await sql`create function refuse_outbox() returns trigger language plpgsql as $$ begin raise exception 'outbox down'; end $$`.execute(t.db);
    await sql`create trigger refuse_outbox before insert on notification_emails for each statement execute function refuse_outbox()`.execute(t.db);
    await expect(evaluator.evaluate()).rejects.toThrow(/outbox down/);
    const counts = async () =>
      (
        await sql<{ log: number; events: number; emails: number }>`
          select (select count(*)::int from notification_log) as log, (select count(*)::int from notification_events) as events,
                 (select count(*)::int from notification_emails) as emails`.execute(t.db)
      ).rows[0];
    expect(await counts()).toEqual({ log: 0, events: 0, emails: 0 });

    await sql`drop trigger refuse_outbox on notification_emails`.execute(t.db);
    await sql`drop function refuse_outbox()`.execute(t.db);
    expect((await evaluator.evaluate()).map((c) => c.kind)).toEqual(['ofd.expiring']);
    // Owners and admins, not the viewer.
    expect(await counts()).toEqual({ log: 1, events: 1, emails: 3 });
    expect([...(await outbox()).keys()].sort()).toEqual([DOWN, FLAKY, REFUSED]);
  });

  it('retry with backoff: a 451 twice then accepted is delivered exactly once; a 550 fails at once; 451 forever fails after the last attempt', async () => {
    const firstRound = Date.now();
    expect(await dispatcher.deliverDue()).toBe(3);
    let rows = await outbox();
    expect(rows.get(FLAKY)).toMatchObject({ status: 'retrying', attempts: 1, last_error_code: 'EMAIL_UNAVAILABLE' });
    expect(rows.get(DOWN)).toMatchObject({ status: 'retrying', attempts: 1, last_error_code: 'EMAIL_UNAVAILABLE' });
    expect(rows.get(REFUSED)).toMatchObject({ status: 'failed', attempts: 1, last_error_code: 'EMAIL_REJECTED' });
    // Not due again before the backoff has passed. Checked only when this round really ran inside the backoff: a CI
    // machine at load average 20 once took longer than 300 ms between the two rounds.
    const again = await dispatcher.deliverDue();
    if (Date.now() - firstRound < BACKOFF_MS) expect(again).toBe(0);

    rows = await waitFor(
      async () => {
        await dispatcher.deliverDue();
        return outbox();
      },
      (r) => r.get(FLAKY)?.status === 'delivered' && r.get(DOWN)?.status === 'failed',
    );
    expect(rows.get(FLAKY)).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(rows.get(DOWN)).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, last_error_code: 'EMAIL_UNAVAILABLE' });
    expect(rows.get(REFUSED)).toMatchObject({ status: 'failed', attempts: 1 });

    // Nothing is due any more: later rounds send nothing, and FLAKY got exactly one e-mail out of three offers.
    await new Promise((r) => setTimeout(r, BACKOFF_MS * 2));
    expect(await dispatcher.deliverDue()).toBe(0);
    expect(offeredTo(FLAKY)).toBe(3);
    expect(acceptedTo(FLAKY)).toBe(1);
    expect(offeredTo(DOWN)).toBe(MAX_ATTEMPTS);
    expect(acceptedTo(DOWN)).toBe(0);
    expect(offeredTo(REFUSED)).toBe(1);
    const mail = smtp.mails.find((m) => JSON.stringify(m.to).toLowerCase().includes(FLAKY))!;
    expect(mail.subject).toBe('Заканчивается обслуживание ККТ в ОФД');
    expect(mail.text).toContain('"registrationNumber": "0000000000033001"');
  });

  it('a failed e-mail is a dead letter; replaying it through the notify processor sends it again, once', async () => {
    const rows = await outbox();
    const { rows: letters } = await sql<{ job_id: string; job_name: string; payload: unknown; error_code: string; attempts: number }>`
      select job_id, job_name, payload, error_code, attempts from dead_letters where queue = 'notify' order by job_id`.execute(t.db);
    expect(letters).toEqual(
      [
        { job_id: `notification-email-${rows.get(DOWN)!.id}`, job_name: 'notify', payload: { channel: 'notification-email', recipient: String(rows.get(DOWN)!.id) }, error_code: 'EMAIL_UNAVAILABLE', attempts: MAX_ATTEMPTS },
        { job_id: `notification-email-${rows.get(REFUSED)!.id}`, job_name: 'notify', payload: { channel: 'notification-email', recipient: String(rows.get(REFUSED)!.id) }, error_code: 'EMAIL_REJECTED', attempts: 1 },
      ].sort((a, b) => (a.job_id < b.job_id ? -1 : 1)),
    );

    // What `ofd dlq replay` does: the letter's payload back into the notify queue, run by the notify processor.
    downIsDown = false;
    const processor = createNotifyProcessor({ db: t.db, logger: silentLogger() });
    const letter = letters.find((l) => l.job_id.endsWith(`-${rows.get(DOWN)!.id}`))!;
    expect(await processor({ id: letter.job_id, name: letter.job_name, data: letter.payload, attempt: 1, maxAttempts: 3 })).toEqual({ kind: 'done', status: 'rearmed' });
    expect((await outbox()).get(DOWN)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await dispatcher.deliverDue()).toBe(1);
    expect((await outbox()).get(DOWN)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(acceptedTo(DOWN)).toBe(1);
    // A second replay of the same letter finds nothing to re-arm: no second e-mail.
    expect(await processor({ id: letter.job_id, name: letter.job_name, data: letter.payload, attempt: 1, maxAttempts: 3 })).toEqual({ kind: 'done', status: 'skipped' });
    expect(await dispatcher.deliverDue()).toBe(0);
    expect(acceptedTo(DOWN)).toBe(1);
  });
});
