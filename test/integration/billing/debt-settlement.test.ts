// Debt paid off by the next top-up (issue 17), on real PostgreSQL with the card provider's fake over real HTTP: the
// postpaid SMS bill the balance could not cover leaves debt; a card top-up (its callback duplicated) and an operator's
// top-up (replayed) pay it first, each once, as «Погашение задолженности» with the top-up as reference.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePay, type FakePay } from '../../../src/adapters/payments/fake-pay-server.js';
import { createHttpPaymentProvider } from '../../../src/adapters/payments/http-payment-provider.js';
import type { PaymentProvider } from '../../../src/adapters/payments/payment-provider.js';
import { billPostpaidSms, setSmsPostpaid } from '../../../src/billing/market.js';
import { takeSmsCredit } from '../../../src/db/notify.repository.js';
import { verifyLedger } from '../../../src/db/ledger.repository.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { asOperator, createOrganization, startApi, type ApiHarness } from '../api/api-test-helpers.js';

const SECRET = 'pay-secret-for-debt-0123456789';
const SMS_POSTPAID = 150; // the Маркет's sms-postpaid price, migration 0038

interface Line {
  reason: string;
  title: string;
  reference: string;
  amount: number;
}

describe('debt paid off by the next top-up', () => {
  let h: ApiHarness;
  let fake: FakePay;
  let provider: PaymentProvider;
  let base: string;
  let org: number;

  const accounts = async () => (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/balance`, headers: asOperator })).json<{ balance: number; debt: number }>();
  const history = async () =>
    (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/account-history?limit=100`, headers: asOperator })).json<{ items: Line[] }>().items;
  const operatorTopUp = (amount: number, key: string) =>
    h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org}/operator-top-ups`, headers: asOperator, payload: { amount, idempotencyKey: key, comment: 'Оплата в офисе' } });

  beforeAll(async () => {
    fake = await startFakePay({ secret: SECRET });
    provider = createHttpPaymentProvider({ url: fake.url, secret: SECRET });
    h = await startApi({ payments: provider, paymentWebhookSecret: SECRET, rateLimit: false });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    fake.setWebhookUrl(`${base}/api/v1/billing/card-webhook`);
    org = await createOrganization(h, withInnCheckDigits('770400591'), 'ООО Должник');
    // Five SMS on credit, billed at the month's end with an empty balance: all of it is debt.
    await setSmsPostpaid(h.database.db, org, true);
    for (let i = 0; i < 5; i++) expect(await takeSmsCredit(h.database.db, org, `debt-sms-${i}`)).toBe('sms_postpaid');
    expect(await billPostpaidSms(h.database.db, org, new Date(Date.now() + 40 * 86_400_000))).toMatchObject({ amount: 5 * SMS_POSTPAID });
  });
  afterAll(async () => {
    await h.close();
    await provider.close();
    await fake.close();
  });

  it('an operator top-up smaller than the debt goes to the debt whole; its replay settles nothing again', async () => {
    expect(await accounts()).toMatchObject({ balance: 0, debt: 5 * SMS_POSTPAID });
    expect((await operatorTopUp(300, 'debt-top-0001')).statusCode).toBe(201);
    expect(await accounts()).toMatchObject({ balance: 0, debt: 5 * SMS_POSTPAID - 300 });
    expect((await operatorTopUp(300, 'debt-top-0001')).statusCode).toBe(200);
    expect(await accounts()).toMatchObject({ balance: 0, debt: 5 * SMS_POSTPAID - 300 });
    const [settled, topUp] = await history();
    expect(settled).toMatchObject({ reason: 'debt_settlement', title: 'Погашение задолженности', reference: 'Оплата в офисе', amount: -300 });
    expect(topUp).toMatchObject({ reason: 'top_up.operator', amount: 300 });
  });

  it('a card top-up pays the rest of the debt first, once however often its callback comes', async () => {
    const started = await request(`${base}/api/v1/organizations/${org}/card-top-ups`, {
      method: 'POST',
      headers: { ...asOperator, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 10_000, idempotencyKey: 'debt-card-0001' }),
    });
    const payment = (await started.body.json()) as { id: number; confirmationUrl: string };
    const providerId = payment.confirmationUrl.split('/pay/')[1]!;
    const event = await fake.settle(providerId, 'succeeded');
    const deadline = Date.now() + 10_000;
    while ((await accounts()).balance === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const rest = 5 * SMS_POSTPAID - 300;
    expect(await accounts()).toMatchObject({ balance: 10_000 - rest, debt: 0 });
    // The provider delivers the callback twice more.
    for (let i = 0; i < 2; i++) await request(`${fake.url}/_control/resend/${event!.eventId}`, { method: 'POST' }).then((r) => r.body.dump());
    expect(await accounts()).toMatchObject({ balance: 10_000 - rest, debt: 0 });
    const lines = await history();
    expect(lines.filter((l) => l.reason === 'debt_settlement').map((l) => [l.reference, l.amount])).toEqual([
      [`card-payment:${payment.id}`, -rest],
      ['Оплата в офисе', -300],
    ]);
    // A later top-up with no debt left settles nothing.
    expect((await operatorTopUp(500, 'debt-top-0002')).statusCode).toBe(201);
    expect(await accounts()).toMatchObject({ balance: 10_000 - rest + 500, debt: 0 });
    expect((await history()).filter((l) => l.reason === 'debt_settlement')).toHaveLength(2);
    expect(await verifyLedger(h.database.db)).toEqual([]);
  });
});
