// Housekeeping deletes notification history and final outbox rows past the retention, and nothing else: not an e-mail
// the notify worker still has to send, not the event it belongs to, not a webhook still due, not an e-receipt status
// (notify_deliveries) or a document. Real PostgreSQL, chunks of 2 rows so every table takes several statements.
//
// Timestamps are in 2020 and the clock is injected: a pass that read the database's clock instead would delete the
// "recent" rows too, and fail here.
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { createLogger, silentLogger } from '../../../src/observability/logger.js';
import { startHousekeeping } from '../../../src/workers/housekeeping/housekeeping.worker.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { waitFor } from './worker-test-helpers.js';

const NOW = new Date('2020-06-01T00:00:00Z');
const RETENTION_DAYS = 30; // cutoff 2020-05-02
const OLD = '2020-04-01T00:00:00Z';
const RECENT = '2020-05-20T00:00:00Z';
const FN = '9999078900012345';

let t: TestDatabase;
let organizationId: number;
let subscriptionId: number;

async function event(label: string, firedAt: string): Promise<number> {
  const { rows } = await sql<{ id: number }>`
    insert into notification_events (organization_id, kind, subject, fired_at)
    values (${organizationId}, 'register.silent', ${label}, ${firedAt}) returning id
  `.execute(t.db);
  return rows[0]!.id;
}

async function email(eventId: number, recipient: string, status: string, updatedAt: string): Promise<void> {
  await sql`
    insert into notification_emails (event_id, recipient, mail_subject, mail_text, status, created_at, updated_at)
    values (${eventId}, ${recipient}, 's', 't', ${status}, ${OLD}, ${updatedAt})
  `.execute(t.db);
}

async function webhook(label: string, status: string, updatedAt: string): Promise<void> {
  await sql`
    insert into webhook_deliveries (subscription_id, organization_id, event, event_id, payload, status, created_at, updated_at)
    values (${subscriptionId}, ${organizationId}, 'register.silent', ${label}, '{}'::jsonb, ${status}, ${OLD}, ${updatedAt})
  `.execute(t.db);
}

const remaining = async () => ({
  events: (await sql<{ subject: string }>`select subject from notification_events order by subject`.execute(t.db)).rows.map((r) => r.subject),
  emails: (await sql<{ recipient: string }>`select recipient from notification_emails order by recipient`.execute(t.db)).rows.map((r) => r.recipient),
  webhooks: (await sql<{ event_id: string }>`select event_id from webhook_deliveries order by event_id`.execute(t.db)).rows.map((r) => r.event_id),
  receipts: (await sql<{ n: number }>`select count(*)::int as n from notify_deliveries`.execute(t.db)).rows[0]!.n,
  armed: (await sql<{ n: number }>`select count(*)::int as n from notification_log`.execute(t.db)).rows[0]!.n,
});

beforeAll(async () => {
  t = await createTestDatabase();
  organizationId = (
    await sql<{ id: number }>`insert into organizations (inn, name) values (${withInnCheckDigits('770200044')}, 'ООО Уборка') returning id`.execute(t.db)
  ).rows[0]!.id;
  subscriptionId = (
    await sql<{ id: number }>`
      insert into webhook_subscriptions (organization_id, url, events, secret)
      values (${organizationId}, 'http://127.0.0.1:9/hooks', ${['register.silent']}::text[], 's') returning id
    `.execute(t.db)
  ).rows[0]!.id;
});

afterAll(async () => {
  await t?.drop();
});

describe('housekeeping', () => {
  it('deletes final e-mails, their events once no e-mail is left, and final webhook deliveries past the retention — nothing else', async () => {
    // Ids interleave kept and deleted rows, so chunks walk past rows they must keep.
    const e1 = await event('e1-old-all-final', OLD);
    await email(e1, 'e1-delivered@x.test', 'delivered', OLD);
    await email(e1, 'e1-failed@x.test', 'failed', OLD);
    const e2 = await event('e2-old-pending-email', OLD);
    await email(e2, 'e2-pending@x.test', 'pending', OLD);
    await email(e2, 'e2-delivered@x.test', 'delivered', OLD);
    const e3 = await event('e3-old-sending-email', OLD);
    await email(e3, 'e3-sending@x.test', 'sending', OLD);
    const e4 = await event('e4-old-retrying-email', OLD);
    await email(e4, 'e4-retrying@x.test', 'retrying', OLD);
    const e5 = await event('e5-old-email-replayed-recently', OLD);
    await email(e5, 'e5-delivered-recently@x.test', 'delivered', RECENT);
    await event('e6-old-no-email', OLD);
    await event('e7-recent-no-email', RECENT);
    const e8 = await event('e8-recent', RECENT);
    await email(e8, 'e8-delivered@x.test', 'delivered', RECENT);
    await event('e9-old-no-email', OLD);

    await webhook('w1-delivered-old', 'delivered', OLD);
    await webhook('w2-pending-old', 'pending', OLD);
    await webhook('w3-failed-old', 'failed', OLD);
    await webhook('w4-retrying-old', 'retrying', OLD);
    await webhook('w5-sending-old', 'sending', OLD);
    await webhook('w6-delivered-recent', 'delivered', RECENT);
    await webhook('w7-delivered-old', 'delivered', OLD);

    // Not ours to delete, however old: the e-receipt status of a document, and the armed state of a condition.
    await sql`insert into document_keys (fn, fd, received_at) values (${FN}, 1, ${OLD})`.execute(t.db);
    await sql`
      insert into notify_deliveries (fn, fd, channel, recipient, organization_id, status, created_at, updated_at)
      values (${FN}, 1, 'email', 'buyer@x.test', ${organizationId}, 'delivered', ${OLD}, ${OLD})
    `.execute(t.db);
    await sql`insert into notification_log (organization_id, kind, subject, fired_at) values (${organizationId}, 'register.silent', 'e1-old-all-final', ${OLD})`.execute(t.db);

    const housekeeping = startHousekeeping({ db: t.db, logger: silentLogger(), retentionDays: RETENTION_DAYS, intervalMs: 0, chunkSize: 2, now: () => NOW });
    try {
      const deleted = await housekeeping.run();
      expect(deleted).toEqual({ notification_emails: 3, notification_events: 3, webhook_deliveries: 3 });
      expect(await remaining()).toEqual({
        events: ['e2-old-pending-email', 'e3-old-sending-email', 'e4-old-retrying-email', 'e5-old-email-replayed-recently', 'e7-recent-no-email', 'e8-recent'],
        emails: ['e2-pending@x.test', 'e3-sending@x.test', 'e4-retrying@x.test', 'e5-delivered-recently@x.test', 'e8-delivered@x.test'],
        webhooks: ['w2-pending-old', 'w4-retrying-old', 'w5-sending-old', 'w6-delivered-recent'],
        receipts: 1,
        armed: 1,
      });

      // A second pass finds nothing more.
      expect(await housekeeping.run()).toEqual({ notification_emails: 0, notification_events: 0, webhook_deliveries: 0 });

      // Once the pending e-mail is delivered and has aged past the retention, it goes, and its event with it.
      await sql`update notification_emails set status = 'delivered', updated_at = ${OLD} where recipient = 'e2-pending@x.test'`.execute(t.db);
      expect(await housekeeping.run()).toEqual({ notification_emails: 1, notification_events: 1, webhook_deliveries: 0 });
      expect((await remaining()).events).not.toContain('e2-old-pending-email');
    } finally {
      await housekeeping.close();
    }
  });

  it('runs a pass at start and logs what it deleted', async () => {
    const old = await event('start-old', OLD);
    await email(old, 'start-old@x.test', 'failed', OLD);
    const lines: Array<{ msg?: string; deleted?: Record<string, number> }> = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
        done();
      },
    });
    const housekeeping = startHousekeeping({ db: t.db, logger: createLogger({ level: 'info', destination }), retentionDays: RETENTION_DAYS, now: () => NOW });
    try {
      const done = await waitFor(
        async () => lines.find((l) => l.msg === 'housekeeping pass done'),
        (l) => l !== undefined,
      );
      expect(done?.deleted).toEqual({ notification_emails: 1, notification_events: 1, webhook_deliveries: 0 });
      expect((await remaining()).events).not.toContain('start-old');
    } finally {
      await housekeeping.close();
    }
  });
});
