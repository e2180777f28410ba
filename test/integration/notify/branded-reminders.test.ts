// Reminders before the branded e-receipt service ends (issue 17, `branding.expiring`) on real PostgreSQL, with the
// condition evaluator on an injected clock, the service bought through the real purchase (ledger + periods), and the
// e-mails sent by the notify worker's dispatcher through the real SMTP adapter to an in-process SMTP server.
//
// Moments are written out by hand: a 1-month purchase at 2027-03-10 09:00 UTC (12:00 Moscow) ends 2027-04-10 09:00 UTC,
// so its last day is 10 April (Moscow); 30 days before is 11 March, 7 days 3 April, 1 day 9 April.
import { sql } from 'kysely';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailMessage, EmailSender } from '../../../src/adapters/email/email-sender.js';
import { createSmtpEmailSender } from '../../../src/adapters/email/smtp-email-sender.js';
import { buyBrandedReceipts } from '../../../src/billing/branded-receipts.js';
import { operatorTopUp } from '../../../src/billing/debt.js';
import { inBillingTransaction } from '../../../src/billing/transactions.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createConditionEmailDispatcher, type ConditionEmailDispatcher } from '../../../src/workers/notify/condition-emails.js';
import { createConditionEvaluator, type ConditionEvaluator } from '../../../src/workers/notify/conditions.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { startSmtpSink, type SmtpSink } from '../api/api-test-helpers.js';
import { waitFor } from '../workers/worker-test-helpers.js';

const CABINET = 'https://cabinet.ofd.test';
const T0 = new Date('2027-03-10T09:00:00Z');
const FIRST_END = '2027-04-10T09:00:00.000Z';

let t: TestDatabase;
let smtp: SmtpSink;
let email: EmailSender;
let evaluator: ConditionEvaluator;
let dispatcher: ConditionEmailDispatcher;
let clock: Date;

/**
 * One evaluation at `at`: the `branding.expiring` firings of `organizationId` (each test has its own organization; the
 * clock jumps between tests, so others' reminders may come again and are not this test's business).
 */
const evaluate = async (e: ConditionEvaluator, at: string, organizationId: number) => {
  clock = new Date(at);
  return (await e.evaluate()).filter((c) => c.kind === 'branding.expiring' && c.organizationId === organizationId).map((c) => `${c.organizationId}|${c.subject}|${c.threshold}`);
};
const mailsTo = (to: string): ParsedMail[] => smtp.mails.filter((m) => JSON.stringify(m.to).toLowerCase().includes(to));

async function organization(name: string, inn: string, members: ReadonlyArray<readonly [string, string]>): Promise<number> {
  const id = (await sql<{ id: number }>`insert into organizations (inn, name) values (${withInnCheckDigits(inn)}, ${name}) returning id::int as id`.execute(t.db)).rows[0]!.id;
  for (const [mail, role] of members) {
    const uid = (await sql<{ id: number }>`insert into users (email, password_hash, status) values (${mail}, 'x', 'active') returning id::int as id`.execute(t.db)).rows[0]!.id;
    await sql`insert into memberships (organization_id, user_id, role) values (${id}, ${uid}, ${role})`.execute(t.db);
  }
  await inBillingTransaction(t.db, (tx) => operatorTopUp(tx, { organizationId: id, amount: 1_000_000, key: `top-up-${id}`, comment: 'тест' }));
  return id;
}

/** Buys the service at `at` through the real purchase; the period's row says it was bought then (the clock's time). */
async function buy(organizationId: number, productCode: 'branded-1m' | 'branded-12m', at: string): Promise<string> {
  const { period } = await buyBrandedReceipts(t.db, { organizationId, productCode, requestKey: `${productCode}-${at}`, now: new Date(at) });
  await sql`update branded_receipt_periods set created_at = ${new Date(at)} where id = ${period.id}`.execute(t.db);
  return period.endsAt.toISOString();
}

async function deliverAll(d: ConditionEmailDispatcher = dispatcher): Promise<void> {
  while ((await d.deliverDue()) > 0);
}

beforeAll(async () => {
  t = await createTestDatabase();
  smtp = await startSmtpSink();
  email = createSmtpEmailSender({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'OFD <billing@ofd.test>' });
  evaluator = createConditionEvaluator({ db: t.db, logger: silentLogger(), emails: true, now: () => clock, cabinetUrl: `${CABINET}/` });
  dispatcher = createConditionEmailDispatcher({ db: t.db, email, logger: silentLogger() });
});

afterAll(async () => {
  await email?.close();
  await smtp?.close();
  await t?.drop();
});

describe('branded e-receipt service reminders', () => {
  let org: number;

  it('fire at 30, 7 and 1 days before the end and on the day it ended, each once, to the owner and the accountant', async () => {
    org = await organization('ООО Бренд', '770200071', [
      ['owner@brand.test', 'owner'],
      ['accountant@brand.test', 'accountant'],
      ['viewer@brand.test', 'viewer'],
    ]);
    expect(await buy(org, 'branded-1m', T0.toISOString())).toBe(FIRST_END);
    const key = (threshold: string) => `${org}|branded-receipts:${FIRST_END}|${threshold}`;
    const fired = (at: string) => evaluate(evaluator, at, org);

    expect(await fired('2027-03-10T09:00:00Z')).toEqual([]);
    // 10 March 20:59 UTC is still 10 March in Moscow (31 days left); 21:00 UTC is 11 March there (30 days).
    expect(await fired('2027-03-10T20:59:59Z')).toEqual([]);
    expect(await fired('2027-03-10T21:00:00Z')).toEqual([key('30d')]);
    expect(await fired('2027-03-10T21:01:00Z')).toEqual([]);
    expect(await fired('2027-03-25T12:00:00Z')).toEqual([]);
    expect(await fired('2027-04-03T10:00:00Z')).toEqual([key('7d')]);
    expect(await fired('2027-04-04T10:00:00Z')).toEqual([]);
    expect(await fired('2027-04-09T10:00:00Z')).toEqual([key('1d')]);
    // The last day itself (0 days left) is still the 1-day reminder's; the service is on until 09:00 UTC.
    expect(await fired('2027-04-10T08:59:59Z')).toEqual([]);
    expect(await fired('2027-04-10T09:00:00Z')).toEqual([key('ended')]);
    expect(await fired('2027-04-10T12:00:00Z')).toEqual([]);
    expect(await fired('2027-04-16T12:00:00Z')).toEqual([]);
    expect(await fired('2027-05-20T12:00:00Z')).toEqual([]);

    await deliverAll();
    for (const to of ['owner@brand.test', 'accountant@brand.test']) {
      expect(mailsTo(to).map((m) => m.subject)).toEqual([
        'Заканчивается брендирование чеков: осталось 30 дней',
        'Заканчивается брендирование чеков: осталось 7 дней',
        'Заканчивается брендирование чеков: завтра последний день',
        'Брендирование отключено — покупатели получают стандартный чек',
      ]);
    }
    expect(mailsTo('viewer@brand.test')).toEqual([]);
    const [first, , , ended] = mailsTo('owner@brand.test');
    expect(first!.text).toContain('заканчивается 10.04.2027 12:00 (МСК), осталось 30 дней');
    expect(first!.text).toContain(`${CABINET}/market`);
    expect(ended!.text).toContain('закончился 10.04.2027 12:00 (МСК)');
    expect(ended!.text).toContain(`Включить брендирование снова: ${CABINET}/market`);
  });

  it('a renewal moves them to the new end: nothing more for the old end, the thresholds of the new one fire afresh', async () => {
    const renewing = await organization('ООО Продление', '770200072', [['owner@renew.test', 'owner']]);
    expect(await buy(renewing, 'branded-1m', T0.toISOString())).toBe(FIRST_END);
    const old = (threshold: string) => `${renewing}|branded-receipts:${FIRST_END}|${threshold}`;
    const mine = (at: string) => evaluate(evaluator, at, renewing);
    expect(await mine('2027-03-12T10:00:00Z')).toEqual([old('30d')]);

    // Bought again on 20 March: the new year starts where the month ends.
    const newEnd = await buy(renewing, 'branded-12m', '2027-03-20T10:00:00Z');
    expect(newEnd).toBe('2028-04-10T09:00:00.000Z');
    const renewed = (threshold: string) => `${renewing}|branded-receipts:${newEnd}|${threshold}`;
    for (const at of ['2027-04-03T10:00:00Z', '2027-04-09T10:00:00Z', '2027-04-10T09:00:00Z', '2027-04-12T10:00:00Z']) expect(await mine(at)).toEqual([]);
    // 2028 is a leap year: 30 days before 10 April is 11 March.
    expect(await mine('2028-03-10T10:00:00Z')).toEqual([]);
    expect(await mine('2028-03-11T10:00:00Z')).toEqual([renewed('30d')]);
    expect(await mine('2028-03-12T10:00:00Z')).toEqual([]);

    const { rows } = await sql<{ subject: string; threshold: string }>`
      select subject, threshold from notification_events where organization_id = ${renewing} order by id`.execute(t.db);
    expect(rows).toEqual([
      { subject: `branded-receipts:${FIRST_END}`, threshold: '30d' },
      { subject: `branded-receipts:${newEnd}`, threshold: '30d' },
    ]);
  });

  it('a purchase does not meet thresholds it starts inside of; after an outage only the closest one fires', async () => {
    const late = await organization('ООО Февраль', '770200073', [['owner@feb.test', 'owner']]);
    // 1 month from 1 February 2027 is 28 days: the 30-day reminder would come the minute after buying.
    const end = await buy(late, 'branded-1m', '2027-02-01T09:00:00Z');
    expect(end).toBe('2027-03-01T09:00:00.000Z');
    const mine = (at: string) => evaluate(evaluator, at, late);
    expect(await mine('2027-02-01T09:01:00Z')).toEqual([]);
    // The worker was down from before 22 February (7 days left) until 27 February (2 days left): one reminder, 7d.
    expect(await mine('2027-02-27T10:00:00Z')).toEqual([`${late}|branded-receipts:${end}|7d`]);
    expect(await mine('2027-02-28T10:00:00Z')).toEqual([`${late}|branded-receipts:${end}|1d`]);
    // Down again over the end for more than a week: no «ended» e-mail that late.
    expect(await mine('2027-03-08T09:00:01Z')).toEqual([]);

    // Bought in March (31 days), first looked at with 5 days left: the 30- and 7-day thresholds are both due, one
    // e-mail (7d) says so; the 30-day one is moot and never comes.
    const idle = await organization('ООО Простой', '770200076', [['owner@idle.test', 'owner']]);
    await buy(idle, 'branded-1m', T0.toISOString());
    expect(await evaluate(evaluator, '2027-04-05T10:00:00Z', idle)).toEqual([`${idle}|branded-receipts:${FIRST_END}|7d`]);
    expect(await evaluate(evaluator, '2027-04-06T10:00:00Z', idle)).toEqual([]);
  });

  it('concurrent workers record a threshold once and queue one e-mail per recipient', async () => {
    const busy = await organization('ООО Параллель', '770200074', [['owner@parallel.test', 'owner']]);
    const end = await buy(busy, 'branded-1m', T0.toISOString());
    const workers = Array.from({ length: 4 }, () => createConditionEvaluator({ db: t.db, logger: silentLogger(), emails: true, now: () => new Date('2027-04-03T10:00:00Z') }));
    const results = await Promise.all(workers.map((w) => w.evaluate()));
    const mine = results.flat().filter((c) => c.organizationId === busy).map((c) => c.threshold);
    expect(mine).toEqual(['7d']);
    const { rows } = await sql<{ events: number; emails: number }>`
      select (select count(*)::int from notification_events where organization_id = ${busy}) as events,
             (select count(*)::int from notification_emails e join notification_events v on v.id = e.event_id where v.organization_id = ${busy}) as emails`.execute(t.db);
    expect(rows[0]).toEqual({ events: 1, emails: 1 });
    expect(end).toBe(FIRST_END);
  });

  it('a restart after the firing sends its e-mail once; a crash after the SMTP server took it sends it again (at least once)', async () => {
    await deliverAll();
    const crashy = await organization('ООО Сбой', '770200075', [['owner@crash.test', 'owner']]);
    await buy(crashy, 'branded-1m', T0.toISOString());
    expect(await evaluate(evaluator, '2027-04-09T10:00:00Z', crashy)).toEqual([`${crashy}|branded-receipts:${FIRST_END}|1d`]);
    // «Restart»: a new evaluator finds it recorded and queues nothing more.
    const restarted = createConditionEvaluator({ db: t.db, logger: silentLogger(), emails: true, now: () => clock, cabinetUrl: CABINET });
    expect(await evaluate(restarted, '2027-04-09T10:05:00Z', crashy)).toEqual([]);

    // A worker that dies after the SMTP server accepted the message, before recording it: its send never returns.
    const dying: EmailSender = {
      send: async (m: EmailMessage) => {
        await email.send(m);
        await new Promise(() => undefined);
      },
      close: async () => undefined,
    };
    const crashed = createConditionEmailDispatcher({ db: t.db, email: dying, logger: silentLogger(), leaseMs: 300 });
    void crashed.deliverDue();
    await waitFor(
      async () => mailsTo('owner@crash.test').length,
      (n) => n === 1,
    );
    // When its lease ends another worker claims the row and sends it again; then it is recorded and never sent more.
    await waitFor(
      async () => {
        await dispatcher.deliverDue();
        return (await sql<{ status: string }>`select m.status from notification_emails m join notification_events e on e.id = m.event_id where e.organization_id = ${crashy}`.execute(t.db)).rows;
      },
      (r) => r.length === 1 && r[0]!.status === 'delivered',
    );
    await deliverAll();
    expect(mailsTo('owner@crash.test').map((m) => m.subject)).toEqual([
      'Заканчивается брендирование чеков: завтра последний день',
      'Заканчивается брендирование чеков: завтра последний день',
    ]);
  });
});
