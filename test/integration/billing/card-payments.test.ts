// Top-ups by card over real HTTP: the API listening on a port, the HTTP payment client, and the fake provider sending
// signed callbacks back to the API. Success through the payment page, decline, duplicate and stale callbacks, a
// forged signature, a callback that overtakes the provider's answer, refunds; then the ledger is reconciled against
// what the provider says happened.
import { sql } from 'kysely';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook, startFakePay, type FakePay } from '../../../src/adapters/payments/fake-pay-server.js';
import { createHttpPaymentProvider } from '../../../src/adapters/payments/http-payment-provider.js';
import type { PaymentProvider } from '../../../src/adapters/payments/payment-provider.js';
import { verifyLedger } from '../../../src/db/ledger.repository.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { addMember, asOperator, bearer, createOrganization, startApi, userToken, type ApiHarness } from '../api/api-test-helpers.js';

const SECRET = 'pay-secret-for-tests-0123456789';
const STAFF = 'irina.staff@ofd.test';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('top-ups by card through the fake provider', () => {
  let h: ApiHarness;
  let fake: FakePay;
  let provider: PaymentProvider;
  let base: string;
  let org: number;
  let owner: string;
  let staff: string;

  const topUp = async (amount: number, key: string) => {
    const r = await request(`${base}/api/v1/organizations/${org}/card-top-ups`, {
      method: 'POST',
      headers: { ...bearer(owner), 'content-type': 'application/json' },
      body: JSON.stringify({ amount, idempotencyKey: key, returnUrl: 'https://cabinet.ofd.test/balance' }),
    });
    return { status: r.statusCode, body: (await r.body.json()) as { id: number; status: string; confirmationUrl: string; code?: string } };
  };
  const balance = async () =>
    (await (await request(`${base}/api/v1/organizations/${org}/balance`, { headers: bearer(owner) })).body.json()) as { balance: number };
  const payment = async (id: number) =>
    (await (await request(`${base}/api/v1/organizations/${org}/card-top-ups/${id}`, { headers: bearer(owner) })).body.json()) as { status: string; refundedAmount: number };
  const buyerChooses = async (confirmationUrl: string, outcome: 'succeeded' | 'declined') => {
    const pageHtml = await (await request(confirmationUrl)).body.text();
    expect(pageHtml).toContain('Оплатить');
    const r = await request(confirmationUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `outcome=${outcome}` });
    await r.body.dump();
    return r;
  };
  const postWebhook = async (body: string, signature: string) => {
    const r = await request(`${base}/api/v1/billing/card-webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': signature }, body });
    return { status: r.statusCode, body: (await r.body.json()) as { code?: string; outcome?: string } };
  };
  const control = async (path: string, body: unknown = {}) => {
    const r = await request(`${fake.url}/_control/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return r.body.json();
  };

  beforeAll(async () => {
    fake = await startFakePay({ secret: SECRET });
    provider = createHttpPaymentProvider({ url: fake.url, secret: SECRET });
    h = await startApi({ payments: provider, paymentWebhookSecret: SECRET, rateLimit: false, operatorEmails: new Set([STAFF]) });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    fake.setWebhookUrl(`${base}/api/v1/billing/card-webhook`);
    org = await createOrganization(h, withInnCheckDigits('770400001'), 'ООО Карта');
    owner = (await userToken(h, 'owner@card.test')).token;
    await addMember(h, org, 'owner@card.test', 'owner');
    staff = (await userToken(h, STAFF)).token;
  });
  afterAll(async () => {
    await h.close();
    await provider.close();
    await fake.close();
  });

  it('credits the balance once the buyer pays on the provider’s page and its callback arrives', async () => {
    const t = await topUp(150_000, 'card-topup-0001');
    expect(t.status).toBe(201);
    expect(t.body).toMatchObject({ status: 'pending', confirmationUrl: expect.stringMatching(`^${fake.url}/pay/`) });
    const paid = await buyerChooses(t.body.confirmationUrl, 'succeeded');
    expect(paid.statusCode).toBe(303);
    expect(paid.headers.location).toBe('https://cabinet.ofd.test/balance');
    await until('the success callback', async () => ((await payment(t.body.id)).status === 'succeeded' ? true : undefined));
    expect((await balance()).balance).toBe(150_000);
    // The same request again: the same payment, no second one at the provider.
    const again = await topUp(150_000, 'card-topup-0001');
    expect([again.status, again.body.id]).toEqual([200, t.body.id]);
    expect(fake.payments.size).toBe(1);
    expect((await topUp(150_001, 'card-topup-0001')).body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('moves no money for a declined payment', async () => {
    const t = await topUp(70_000, 'card-topup-0002');
    await buyerChooses(t.body.confirmationUrl, 'declined');
    await until('the decline callback', async () => ((await payment(t.body.id)).status === 'declined' ? true : undefined));
    expect((await balance()).balance).toBe(150_000);
  });

  it('applies a duplicated callback once', async () => {
    const first = fake.events.find((e) => e.event === 'payment.succeeded')!;
    const resent = (await control(`resend/${first.eventId}`)) as { deliveries: number[] };
    expect(resent.deliveries.at(-1)).toBe(200);
    expect((await balance()).balance).toBe(150_000);
  });

  it('refuses a callback with a bad signature or a body changed after signing, and changes nothing', async () => {
    const first = fake.events.find((e) => e.event === 'payment.succeeded')!;
    expect(await postWebhook(first.body, 'sha256=' + '0'.repeat(64))).toEqual({ status: 401, body: expect.objectContaining({ code: 'BAD_SIGNATURE' }) });
    const forged = first.body.replace('"amount":150000', '"amount":15000000');
    expect(await postWebhook(forged, signWebhook(SECRET, first.body))).toMatchObject({ status: 401 });
    expect(await postWebhook(first.body, 'nonsense')).toMatchObject({ status: 401 });
    // Signed with the right secret but about a payment we never started: 404, so a real provider retries later.
    const stranger = JSON.stringify({ ...JSON.parse(first.body), payment: { ...JSON.parse(first.body).payment, orderId: 'topup-unknown' } });
    expect(await postWebhook(stranger, signWebhook(SECRET, stranger))).toMatchObject({ status: 404 });
    expect(await postWebhook('{"eventId":1}', signWebhook(SECRET, '{"eventId":1}'))).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect((await balance()).balance).toBe(150_000);
  });

  it('credits a payment whose callback overtakes the provider’s answer to the create call', async () => {
    await control('auto', { outcome: 'succeeded' });
    const t = await topUp(30_000, 'card-topup-0003');
    await control('auto', {});
    expect(t.status).toBe(201);
    expect((await payment(t.body.id)).status).toBe('succeeded');
    expect((await balance()).balance).toBe(180_000);
  });

  it('refunds part of a payment, refuses more than is left, and ignores a stale success callback after the refund', async () => {
    const [id] = (await sql<{ id: number }>`select id from card_payments where amount = 150000`.execute(h.database.db)).rows.map((r) => r.id);
    // Refunded by the operator's staff from the cabinet, who is no member of the customer's organization.
    const refund = (amount: number, key: string) =>
      h.app.inject({ method: 'POST', url: `/api/v1/card-payments/${id}/refunds`, headers: bearer(staff), payload: { amount, idempotencyKey: key } });
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/card-payments/${id}/refunds`, headers: bearer(owner), payload: { amount: 1, idempotencyKey: 'refund-x-0001' } })).statusCode).toBe(403);
    const r = await refund(50_000, 'refund-0001');
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ amount: 50_000, status: 'succeeded' });
    expect((await refund(50_000, 'refund-0001')).json()).toMatchObject({ id: r.json<{ id: number }>().id });
    expect((await refund(100_001, 'refund-0002')).json()).toMatchObject({ code: 'PAYMENT_NOT_REFUNDABLE' });
    await until('the refund callback', async () => (fake.events.some((e) => e.event === 'refund.succeeded' && e.deliveries.includes(200)) ? true : undefined));
    const stale = fake.events.find((e) => e.event === 'payment.succeeded')!;
    await control(`resend/${stale.eventId}`);
    expect(await payment(id!)).toMatchObject({ status: 'succeeded', refundedAmount: 50_000 });
    expect((await balance()).balance).toBe(130_000);
  });

  it('refuses to refund money already spent from the balance', async () => {
    await sql`select ledger_post_batch(${JSON.stringify([
      { key: 'spend-1', hash: 'h', reason: 'service', reference: 'test', organizationId: org, entries: [{ organizationId: org, code: 'balance', amount: -120_000 }, { organizationId: null, code: 'revenue.services', amount: 120_000 }] },
    ])}::jsonb)`.execute(h.database.db);
    const [id] = (await sql<{ id: number }>`select id from card_payments where amount = 150000`.execute(h.database.db)).rows.map((r) => r.id);
    const r = await h.app.inject({ method: 'POST', url: `/api/v1/card-payments/${id}/refunds`, headers: asOperator, payload: { amount: 20_000, idempotencyKey: 'refund-0003' } });
    expect(r.json()).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    expect(await payment(id!)).toMatchObject({ refundedAmount: 50_000 });
  });

  it('reconciles: the balance is what the provider took minus what it refunded, minus what was spent', async () => {
    const taken = [...fake.payments.values()].filter((p) => p.status === 'succeeded').reduce((s, p) => s + p.amount - p.refundedAmount, 0);
    expect((await balance()).balance).toBe(taken - 120_000);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ledger_transactions where reason = 'top_up.card'`.execute(h.database.db);
    expect(rows[0]!.n).toBe([...fake.payments.values()].filter((p) => p.status === 'succeeded').length);
    expect(await verifyLedger(h.database.db)).toEqual([]);
  });
});
