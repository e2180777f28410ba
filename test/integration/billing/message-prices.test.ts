// Per-channel prices of e-receipts (issue 17) on real PostgreSQL, with the SMS and Viber sent over HTTP to fake-sms and
// fake-viber by the real notify processor: e-mail free; an SMS and a Viber message each take their own units (catalogue
// data: Viber made to cost 2 here) from the package, or go on credit at their own postpaid price; a Viber message that
// falls back to SMS is charged once, as the SMS it became. The account history names each send in words.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpEmailSender } from '../../../src/adapters/email/smtp-email-sender.js';
import type { EmailSender } from '../../../src/adapters/email/email-sender.js';
import { startFakeSms, type FakeSms } from '../../../src/adapters/sms/fake-sms-server.js';
import { createHttpSmsSender } from '../../../src/adapters/sms/http-sms-sender.js';
import type { SmsSender } from '../../../src/adapters/sms/sms-sender.js';
import { startFakeViber, type FakeViber } from '../../../src/adapters/viber/fake-viber-server.js';
import { createHttpViberSender } from '../../../src/adapters/viber/http-viber-sender.js';
import type { ViberSender } from '../../../src/adapters/viber/viber-sender.js';
import { billPostpaidSms } from '../../../src/billing/market.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createNotifyProcessor } from '../../../src/workers/notify/receipts.processor.js';
import type { NotifyProcessor } from '../../../src/workers/notify/notify-types.js';
import { asOperator, createOrganization, job, json, persist, receipt, startApi, type ApiHarness } from '../api/api-test-helpers.js';

const INN = withInnCheckDigits('770200581');
const FN = '9999078900058101';
const REG = '0000000000058101';
const PHONE = '+79161235801';
const NO_VIBER = '+79161235802';
const VIBER_UNITS = 2;
const VIBER_POSTPAID = 100; // kopecks per unit, migration 0058
const SMS_POSTPAID = 150; // the Маркет's sms-postpaid, migration 0038

let h: ApiHarness;
let smsFake: FakeSms;
let viberFake: FakeViber;
let sms: SmsSender;
let viber: ViberSender;
let email: EmailSender;
let processor: NotifyProcessor;
let org: number;
let jobs = 0;

interface Line {
  reason: string;
  title: string;
  reference: string;
  amount: number;
  sms: number;
}

/** One job run as BullMQ runs it: put back for delayMs while it waits for a Viber report, until it settles. */
async function run(fd: number, channel: 'email' | 'sms' | 'viber', recipient: string) {
  const ref = { id: `mp-${++jobs}`, name: 'notify', data: { fn: FN, fd, channel, recipient, resend: jobs }, attempt: 1, maxAttempts: 3 };
  for (;;) {
    const outcome = await processor(ref);
    if (outcome.kind !== 'deferred') return outcome;
    await new Promise((r) => setTimeout(r, outcome.delayMs));
  }
}

async function balances(): Promise<{ balance: number; sms: number; smsPostpaid: number; debt: number }> {
  return json(await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/balance`, headers: asOperator }));
}
async function history(): Promise<Line[]> {
  return json<{ items: Line[] }>(await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/account-history?limit=100`, headers: asOperator })).items;
}
/** The net change of the SMS package per (reason, reference) since `before` lines. */
function net(lines: Line[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) out[`${l.reason} ${l.reference}`] = (out[`${l.reason} ${l.reference}`] ?? 0) + l.sms;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== 0));
}

beforeAll(async () => {
  h = await startApi();
  smsFake = await startFakeSms();
  viberFake = await startFakeViber({ rules: { deliverAfterMs: 20, expireAfterMs: 200, noViber: [NO_VIBER] } });
  sms = createHttpSmsSender({ url: smsFake.url, timeoutMs: 2000 });
  viber = createHttpViberSender({ url: viberFake.url, timeoutMs: 2000 });
  email = createSmtpEmailSender({ url: `smtp://127.0.0.1:${h.smtp.port}`, from: 'OFD <receipts@ofd.test>' });
  org = await createOrganization(h, INN, 'ООО Каналы');
  processor = createNotifyProcessor({ db: h.database.db, logger: silentLogger(), email, sms, viber, viberOptions: { statusPollMs: 20, deliveryWaitMs: 3000 } });
  for (let fd = 1; fd <= 6; fd++) await persist(h.database, [job(FN, fd, 3, receipt({ fn: FN, fd, inn: INN, regId: REG, price: 1000 * fd }))]);
  // The operator makes a Viber message cost two units of the package (catalogue data).
  await sql`update message_prices set units = ${VIBER_UNITS} where channel = 'viber'`.execute(h.database.db);
  const top = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org}/sms-balance/top-ups`, headers: asOperator, payload: { amount: 10 } });
  expect(top.statusCode).toBe(200);
});

afterAll(async () => {
  await email.close();
  await sms.close();
  await viber.close();
  await smsFake.close();
  await viberFake.close();
  await h.close();
});

describe('what an e-receipt costs by channel', () => {
  it('lists the catalogue prices', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/market/message-prices', headers: asOperator });
    expect(r.statusCode).toBe(200);
    expect(json<{ items: unknown[] }>(r).items).toEqual([
      { channel: 'email', title: 'Чек на e-mail', units: 0, postpaidPrice: 0 },
      { channel: 'sms', title: 'Чек по SMS', units: 1, postpaidPrice: SMS_POSTPAID },
      { channel: 'viber', title: 'Чек в Viber', units: VIBER_UNITS, postpaidPrice: VIBER_POSTPAID },
    ]);
  });

  it('charges nothing for e-mail, one unit for an SMS, Viber’s own units for Viber, and a fallen-back Viber once as SMS', async () => {
    const before = await history();
    expect(await run(1, 'email', 'buyer@example.test')).toEqual({ kind: 'done', status: 'delivered' });
    expect(await run(2, 'sms', PHONE)).toEqual({ kind: 'done', status: 'delivered' });
    expect(await run(3, 'viber', PHONE)).toEqual({ kind: 'done', status: 'delivered' });
    expect(await run(4, 'viber', NO_VIBER)).toEqual({ kind: 'done', status: 'delivered' });
    expect(smsFake.messages.map((m) => m.text.match(/ФД (\d)/)?.[1])).toEqual(['2', '4']);
    expect((await balances()).sms).toBe(10 - 1 - VIBER_UNITS - 1);

    const lines = (await history()).slice(0, -before.length || undefined);
    expect(net(lines)).toEqual({ [`sms_sent receipt:${FN}/2`]: -1, [`viber_sent receipt:${FN}/3`]: -VIBER_UNITS, [`sms_sent receipt:${FN}/4`]: -1 });
    expect(lines.some((l) => l.reference === `receipt:${FN}/1`)).toBe(false);
    for (const l of lines) expect(l.title).toBe(l.reason === 'viber_sent' ? 'Чек в Viber' : 'Чек по SMS');
  });

  it('on credit: each channel is billed at its own postpaid price at the end of the month', async () => {
    const left = (await balances()).sms;
    for (let i = 0; i < left; i++) expect(await run(5, 'sms', PHONE)).toMatchObject({ status: 'delivered' });
    expect(await run(5, 'sms', PHONE)).toEqual({ kind: 'done', status: 'no_balance' });
    const on = await h.app.inject({ method: 'PUT', url: `/api/v1/organizations/${org}/sms-postpaid`, headers: asOperator, payload: { enabled: true } });
    expect(on.statusCode).toBe(200);
    expect(await run(5, 'sms', PHONE)).toMatchObject({ status: 'delivered' });
    expect(await run(6, 'viber', PHONE)).toMatchObject({ status: 'delivered' });
    expect(await run(6, 'viber', NO_VIBER)).toMatchObject({ status: 'delivered' }); // fell back: an SMS on credit
    expect(await balances()).toMatchObject({ sms: 0, smsPostpaid: 1 + VIBER_UNITS + 1 });

    const nextMonth = new Date(Date.now() + 40 * 86_400_000);
    const bill = await billPostpaidSms(h.database.db, org, nextMonth);
    expect(bill).toEqual({ count: 1 + VIBER_UNITS + 1, amount: 2 * SMS_POSTPAID + VIBER_UNITS * VIBER_POSTPAID, replayed: false });
    expect(await balances()).toMatchObject({ smsPostpaid: 0, debt: 2 * SMS_POSTPAID + VIBER_UNITS * VIBER_POSTPAID });
  });
});
