// Issue 17, "how it will be checked": an independent client pays, buys and sends, and the ledger is reconciled from
// outside against every event it was sent, duplicated and out-of-order provider callbacks included.
//
// The whole process runs as in production (`start()`: gateway, workers and API on real PostgreSQL and Redis); the card
// provider is `ofd fake-pay` and the SMS gateway `ofd fake-sms`, each its own process, reached over HTTP. The register
// sends its receipts over TCP. The client is an accountant with a session token and knows only HTTP, the catalogue's
// prices (migration 0038) and the provider's webhook secret (it plays the provider when it forges or replays callbacks).
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { withInnCheckDigits } from '../../src/domain/inn.js';
import { start, type Running } from '../../src/main.js';
import { silentLogger } from '../../src/observability/logger.js';
import { ADMIN_TOKEN, receipt, startSmtpSink, type SmtpSink } from '../integration/api/api-test-helpers.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../integration/queue/queue-test-helpers.js';
import { exchange, signedMessage } from '../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { freePort } from '../support/redis-process.js';
import { call, LedgerModel, sign, startFakeProcess, until, type Balances, type HistoryItem } from './billing-client.js';

const SECRET = 'fake-pay-secret-reconcile-0123456789';
const EMAIL = 'reconcile.buh@example.test';
const PASSWORD = 'Kassa-2026!';
const INN = withInnCheckDigits('770300017');
const FN = '9999078900170001';
const REG_ID = '0000000017000009';
const PHONE = '+79990001717';
// The catalogue of migration 0038, in kopecks.
const SMS_100 = { price: 9900, units: 100 };
const SMS_250 = { price: 24900, units: 250 };

let database: TestDatabase;
let smtp: SmtpSink;
let running: Running;
let fakePay: ChildProcess;
let fakeSms: ChildProcess;
let prefix: string;
let base: string;
let payUrl: string;
let smsUrl: string;
let token: string;
let org: number;
const model = new LedgerModel();

const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => call<T>(base, method, path, token, body);
const asOperator = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => call<T>(base, method, path, ADMIN_TOKEN, body);
const balances = async () => (await api<Balances>('GET', `/api/v1/organizations/${org}/balance`)).json;

async function history(): Promise<HistoryItem[]> {
  const items: HistoryItem[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: HistoryItem[]; nextCursor: string | null } = (
      await api<{ items: HistoryItem[]; nextCursor: string | null }>('GET', `/api/v1/organizations/${org}/account-history?limit=50${cursor ? `&cursor=${cursor}` : ''}`)
    ).json;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

interface CardTopUp {
  id: number;
  status: string;
  confirmationUrl: string;
  refundedAmount: number;
}

async function startTopUp(amount: number, idempotencyKey: string) {
  return api<CardTopUp>('POST', `/api/v1/organizations/${org}/card-top-ups`, { amount, idempotencyKey, returnUrl: 'https://cabinet.example.test/balance' });
}

/** The buyer on the provider's page: the page, the button, and the redirect back to the cabinet. */
async function buyerChooses(confirmationUrl: string, outcome: 'succeeded' | 'declined'): Promise<void> {
  expect(await (await fetch(confirmationUrl)).text()).toContain('Оплатить');
  const r = await fetch(confirmationUrl, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `outcome=${outcome}` });
  expect(r.status).toBe(303);
  expect(r.headers.get('location')).toBe('https://cabinet.example.test/balance');
}

const topUpStatus = async (id: number) => (await api<CardTopUp>('GET', `/api/v1/organizations/${org}/card-top-ups/${id}`)).json;
const settledAs = (id: number, status: string) => until(`top-up ${id} ${status}`, async () => ((await topUpStatus(id)).status === status ? true : undefined));
const providerId = (t: CardTopUp) => t.confirmationUrl.split('/pay/')[1]!;

async function control<T = Record<string, unknown>>(path: string, body: unknown = {}): Promise<T> {
  return (await call<T>(payUrl, 'POST', `/_control/${path}`, undefined, body)).json;
}
const providerEvents = async () => (await call<{ items: Array<{ eventId: string; event: string; deliveries: number[] }> }>(payUrl, 'GET', '/_control/events')).json.items;

async function postWebhook(body: string, signature: string): Promise<number> {
  const r = await fetch(`${base}/api/v1/billing/card-webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': signature }, body });
  await r.text();
  return r.status;
}

async function buy(product: string, idempotencyKey: string, quantity = 1) {
  return api<{ transactionId: number; replayed: boolean; accounts: Balances }>('POST', `/api/v1/organizations/${org}/market/purchases`, { product, quantity, idempotencyKey });
}

const smsMessages = async () => (await call<{ items: Array<{ id: string; to: string; text: string }> }>(smsUrl, 'GET', '/v1/messages')).json.items;

/** Resends receipt `fd` by SMS and waits for the fake SMS gateway to hold it and the delivery to say delivered. */
async function sendBySms(fd: number): Promise<{ text: string }> {
  const before = (await smsMessages()).length;
  const r = await api<{ status: string }>('POST', `/api/v1/documents/${FN}/${fd}/deliveries`, { channel: 'sms', recipient: PHONE });
  expect(r.status).toBe(202);
  const message = await until(`the SMS of receipt ${fd}`, async () => (await smsMessages()).slice(before).find((m) => m.text.includes(`ФД ${fd}`)));
  await until(`receipt ${fd} delivered`, async () => {
    const d = await api<{ items: Array<{ channel: string; status: string }> }>('GET', `/api/v1/documents/${FN}/${fd}/deliveries`);
    return d.json.items.some((i) => i.channel === 'sms' && i.status === 'delivered') ? true : undefined;
  });
  expect(message.to.replace(/\D/g, '')).toBe(PHONE.replace(/\D/g, ''));
  return message;
}

async function signUpAccountant(): Promise<string> {
  const signup = await call<{ id: number }>(base, 'POST', '/api/v1/auth/signup', undefined, { email: EMAIL, password: PASSWORD, acceptOffer: true });
  if (signup.status !== 201) throw new Error(`signup ${signup.status}`);
  const mail = await smtp.next(EMAIL, 15_000);
  const confirm = /confirm-email\?token=([\w-]+)/.exec(mail.text ?? '')?.[1];
  expect((await call(base, 'POST', '/api/v1/auth/confirm', undefined, { token: confirm })).status).toBe(200);
  expect((await asOperator('POST', `/api/v1/organizations/${org}/members`, { email: EMAIL, role: 'accountant' })).status).toBeLessThan(300);
  const login = await call<{ token: string }>(base, 'POST', '/api/v1/auth/login', undefined, { email: EMAIL, password: PASSWORD });
  expect(login.status).toBe(200);
  return login.json.token;
}

/** The register sends receipts 1..n (buyer phone in 1008) over TCP; the client waits until it can read them. */
async function registerSendsReceipts(n: number): Promise<void> {
  for (let fd = 1; fd <= n; fd++) {
    const bytes = signedMessage({ fn: FN, fd, children: receipt({ fn: FN, fd, inn: INN, regId: REG_ID, price: 10_000 * fd, buyer: PHONE }) });
    const r = await exchange(running.gatewayPort!, bytes);
    expect(r.reply.length).toBeGreaterThan(30);
  }
  await until('the receipts stored', async () => {
    const docs = await api<{ items: unknown[] }>('GET', '/api/v1/documents?limit=100');
    return docs.json.items.length >= n ? true : undefined;
  });
}

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  prefix = uniquePrefix('e2e-reconcile');
  smtp = await startSmtpSink();
  const [httpPort, payPort, smsPort] = [await freePort(), await freePort(), await freePort()];
  payUrl = `http://127.0.0.1:${payPort}`;
  smsUrl = `http://127.0.0.1:${smsPort}`;
  [fakePay, fakeSms] = await Promise.all([
    startFakeProcess('fake-pay', payPort, ['--secret', SECRET, '--webhook-url', `http://127.0.0.1:${httpPort}/api/v1/billing/card-webhook`], '/_control/events'),
    startFakeProcess('fake-sms', smsPort, [], '/v1/messages'),
  ]);
  const config = loadConfig({
    OFD_ROLES: 'gateway,worker,api',
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    OFD_QUEUE_PREFIX: prefix,
    OFD_HOST: '127.0.0.1',
    OFD_GATEWAY_PORT: '0',
    OFD_MARKING_PORT: '0',
    OFD_HTTP_PORT: String(httpPort),
    OFD_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
    OFD_AUTH_REQUESTS_PER_MINUTE: '1000',
    OFD_ADMIN_TOKEN: ADMIN_TOKEN,
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    SMS_URL: smsUrl,
    OFD_PAY_URL: payUrl,
    OFD_PAY_SECRET: SECRET,
  });
  running = await start(config, silentLogger());
  base = `http://127.0.0.1:${running.httpPort}`;
  org = (await asOperator<{ id: number }>('POST', '/api/v1/organizations', { inn: INN, name: 'ООО «Сверка»' })).json.id;
  token = await signUpAccountant();
  await registerSendsReceipts(4);
}, 240_000);

afterAll(async () => {
  await running?.close();
  fakePay?.kill('SIGTERM');
  fakeSms?.kill('SIGTERM');
  await smtp?.close();
  await database?.drop();
  if (prefix) await deleteKeysWithPrefix(inject('redisUrl'), prefix);
});

describe('billing as an independent client sees it', { timeout: 120_000 }, () => {
  it('the chain: top up by card → buy an SMS package → resend a receipt by SMS → the balance and history are right', async () => {
    // 1. Top up 1 000 ₽ by card: the provider's page, the buyer pays, the provider's signed callback credits the balance.
    const t = await startTopUp(100_000, 'chain-top-up-0001');
    expect(t.status).toBe(201);
    expect(t.json.confirmationUrl.startsWith(`${payUrl}/pay/`)).toBe(true);
    await buyerChooses(t.json.confirmationUrl, 'succeeded');
    await settledAs(t.json.id, 'succeeded');
    model.record('top_up.card', `card-payment:${t.json.id}`, 100_000);
    expect(await balances()).toMatchObject({ balance: 100_000, sms: 0 });

    // 2. Buy the 100-SMS package from the Маркет.
    const bought = await buy('sms-100', 'chain-sms-100-0001');
    expect(bought.status).toBe(201);
    model.record('sms_package', 'product:sms-100x1', -SMS_100.price, SMS_100.units);
    expect(bought.json.accounts).toMatchObject({ balance: 100_000 - SMS_100.price, sms: SMS_100.units });

    // 3. Resend receipt 1 by SMS: the fake SMS gateway receives it, with the short link to the receipt page.
    const sms = await sendBySms(1);
    expect(sms.text).toMatch(new RegExp(`^Чек ФД 1 на 100,00\u00a0₽: ${base}/r/\\w+$`));
    model.record('sms_sent', `receipt:${FN}/1`, 0, -1);

    // 4. Balance and history.
    expect(await balances()).toMatchObject({ balance: 100_000 - SMS_100.price, sms: SMS_100.units - 1, debt: 0 });
    const lines = await history();
    expect(lines.map((l) => [l.reason, l.amount, l.sms])).toEqual([
      ['sms_sent', 0, -1],
      ['sms_package', -SMS_100.price, SMS_100.units],
      ['top_up.card', 100_000, 0],
    ]);
    expect(lines.map((l) => [l.title, l.reference])).toEqual([
      ['Чек по SMS', `receipt:${FN}/1`],
      ['Покупка пакета SMS', 'product:sms-100x1'],
      ['Пополнение картой', `card-payment:${t.json.id}`],
    ]);
    model.reconcile(await balances(), lines);
  });

  it('declined, replayed, duplicated, forged and stale card callbacks move money once or not at all', async () => {
    // A declined payment.
    const declined = await startTopUp(50_000, 'declined-0001');
    await buyerChooses(declined.json.confirmationUrl, 'declined');
    await settledAs(declined.json.id, 'declined');

    // The same request again (a retried click) answers the same payment; paying it once credits once.
    const first = await startTopUp(30_000, 'replayed-0001');
    const again = await startTopUp(30_000, 'replayed-0001');
    expect([first.status, again.status, again.json.id]).toEqual([201, 200, first.json.id]);
    await buyerChooses(first.json.confirmationUrl, 'succeeded');
    await settledAs(first.json.id, 'succeeded');
    model.record('top_up.card', `card-payment:${first.json.id}`, 30_000);

    // The provider delivers that success callback twice more (a duplicate the provider thinks was not answered).
    const success = (await providerEvents()).filter((e) => e.event === 'payment.succeeded').at(-1)!;
    for (let i = 0; i < 2; i++) await control(`resend/${success.eventId}`);
    expect((await providerEvents()).find((e) => e.eventId === success.eventId)!.deliveries.filter((s) => s === 200).length).toBe(3);

    // A forged success for the declined payment: no secret, or a body changed after signing. Refused, nothing moves.
    const forged = JSON.stringify({
      eventId: 'forged-1',
      event: 'payment.succeeded',
      payment: { id: providerId(declined.json), status: 'succeeded', amount: 50_000, refundedAmount: 0, orderId: 'x' },
    });
    expect(await postWebhook(forged, sign('not-the-secret', forged))).toBe(401);
    expect(await postWebhook(forged.replace('50000', '5000000'), sign(SECRET, forged))).toBe(401);

    // A stale callback signed by the provider, arriving after the success: "declined" for the paid one. Nothing moves.
    const order = await call<{ orderId: string }>(payUrl, 'GET', `/v1/payments/${providerId(first.json)}`, SECRET);
    const stale = JSON.stringify({
      eventId: 'stale-1',
      event: 'payment.declined',
      payment: { id: providerId(first.json), status: 'declined', amount: 30_000, refundedAmount: 0, orderId: order.json.orderId },
    });
    expect(await postWebhook(stale, sign(SECRET, stale))).toBe(200);
    expect((await topUpStatus(first.json.id)).status).toBe('succeeded');
    expect((await topUpStatus(declined.json.id)).status).toBe('declined');
    model.reconcile(await balances(), await history());
  });

  it('applies callbacks that overtake the provider’s answer or each other, refunds included, once', async () => {
    // The provider settles at once and calls back before it answers the create call ("succeeded" before "pending").
    await control('auto', { outcome: 'succeeded' });
    const early = await startTopUp(20_000, 'overtaking-0001');
    await control('auto', {});
    expect(early.status).toBe(201);
    await settledAs(early.json.id, 'succeeded');
    model.record('top_up.card', `card-payment:${early.json.id}`, 20_000);

    // Callbacks held back, then delivered newest first: the refund (made at the provider) before the success.
    const late = await startTopUp(40_000, 'reversed-0001');
    await control('hold');
    await buyerChooses(late.json.confirmationUrl, 'succeeded');
    const refund = await call<{ status: string }>(payUrl, 'POST', `/v1/payments/${providerId(late.json)}/refunds`, SECRET, { amount: 15_000, reference: 'provider-desk-1' });
    expect(refund.status).toBe(201);
    expect((await topUpStatus(late.json.id)).status).toBe('pending');
    const released = await control<{ released: string[] }>('release', { order: 'reverse' });
    expect(released.released).toHaveLength(2);
    await settledAs(late.json.id, 'succeeded');
    model.record('top_up.card', `card-payment:${late.json.id}`, 40_000);
    model.record('refund.card', `card-payment:${late.json.id}`, -15_000);
    for (const id of released.released) await control(`resend/${id}`);

    // The operator refunds part of the early one through the API; its callback is duplicated too.
    const ours = await asOperator<{ status: string }>('POST', `/api/v1/card-payments/${early.json.id}/refunds`, { amount: 5_000, idempotencyKey: 'operator-refund-0001' });
    expect([ours.status, ours.json.status]).toEqual([201, 'succeeded']);
    model.record('refund.card', `card-payment:${early.json.id}`, -5_000);
    const refundEvent = (await providerEvents()).filter((e) => e.event === 'refund.succeeded').at(-1)!;
    await until('the refund callback answered', async () => ((await providerEvents()).find((e) => e.eventId === refundEvent.eventId)!.deliveries.includes(200) ? true : undefined));
    await control(`resend/${refundEvent.eventId}`);
    const replayed = await asOperator('POST', `/api/v1/card-payments/${early.json.id}/refunds`, { amount: 5_000, idempotencyKey: 'operator-refund-0001' });
    expect(replayed.status).toBe(201);
    model.reconcile(await balances(), await history());
  });

  it('buys and sends: a replayed purchase, one it cannot afford, and an SMS the gateway refused are charged once', async () => {
    const p = await buy('sms-250', 'buy-250-0001');
    const replay = await buy('sms-250', 'buy-250-0001');
    expect([p.status, replay.status, replay.json.transactionId, replay.json.replayed]).toEqual([201, 200, p.json.transactionId, true]);
    model.record('sms_package', 'product:sms-250x1', -SMS_250.price, SMS_250.units);
    const tooMuch = await buy('sms-1000', 'buy-1000-0001', 100);
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.json).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });

    await sendBySms(2);
    model.record('sms_sent', `receipt:${FN}/2`, 0, -1);
    // The gateway refuses one send (400, terminal): its SMS is given back; the send asked again is charged once.
    await call(smsUrl, 'POST', '/_faults', undefined, { failNext: 1, status: 400 });
    expect((await api('POST', `/api/v1/documents/${FN}/3/deliveries`, { channel: 'sms', recipient: PHONE })).status).toBe(202);
    await until('receipt 3 refused', async () => {
      const d = await api<{ items: Array<{ channel: string; status: string }> }>('GET', `/api/v1/documents/${FN}/3/deliveries`);
      return d.json.items.some((i) => i.channel === 'sms' && i.status === 'failed') ? true : undefined;
    });
    await sendBySms(3);
    model.record('sms_sent', `receipt:${FN}/3`, 0, -1);
    // Receipt 2 again: a second send, charged again.
    await sendBySms(2);
    model.record('sms_sent', `receipt:${FN}/2`, 0, -1);
  });

  it('reconciles: the balance, the SMS package and every history line are what the client’s own model says', async () => {
    const api = await balances();
    const lines = await history();
    model.reconcile(api, lines);
    // Every SMS the client was charged for is one the SMS gateway holds, and no other.
    const held = (await smsMessages()).filter((m) => m.to.replace(/\D/g, '') === PHONE.replace(/\D/g, ''));
    const charged = -lines.filter((l) => l.reason === 'sms_sent').reduce((s, l) => s + l.sms, 0);
    expect(held).toHaveLength(charged);
    expect(charged).toBe(4);
    expect(api).toMatchObject({ balance: 100_000 - SMS_100.price + 30_000 + 20_000 - 5_000 + 40_000 - 15_000 - SMS_250.price, debt: 0 });
  });
});
