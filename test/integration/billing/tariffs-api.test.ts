// Tariffs through the API on a real PostgreSQL: the operator's catalogue, a register paid from the balance, renewals
// that chain, replays, refusals that charge nothing, activation codes, and the register's derived service end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { addMember, asOperator, bearer, createOrganization, startApi, userToken, type ApiHarness } from '../api/api-test-helpers.js';

const DAY = 86_400_000;
const moscowDayPlus = (days: number) => new Date(Date.now() + 3 * 3_600_000 + days * DAY).toISOString().slice(0, 10);

describe('tariffs and paid OFD service', () => {
  let h: ApiHarness;
  let org: number;
  let registerId: number;
  let owner: string;
  let viewer: string;
  let tariffs: Array<{ id: number; code: string; months: number; price: number; priceToday: number }>;

  const topUp = (amount: number, key: string) =>
    h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org}/operator-top-ups`, headers: asOperator, payload: { amount, idempotencyKey: key, comment: 'Платёж по договору' } });
  const pay = (tariffId: number, key: string, token = owner) =>
    h.app.inject({ method: 'POST', url: `/api/v1/registers/${registerId}/service-payments`, headers: bearer(token), payload: { tariffId, idempotencyKey: key } });
  const balance = async () => (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/balance`, headers: bearer(owner) })).json<{ balance: number; activationCodes: number }>();
  const register = async () => (await h.app.inject({ method: 'GET', url: `/api/v1/registers/${registerId}`, headers: bearer(owner) })).json<{ ofdService: Record<string, unknown> }>();

  beforeAll(async () => {
    h = await startApi({ unpaidPolicy: 'stop' });
    org = await createOrganization(h, withInnCheckDigits('770300001'), 'ООО Тариф');
    owner = (await userToken(h, 'owner@tariff.test')).token;
    viewer = (await userToken(h, 'viewer@tariff.test')).token;
    await addMember(h, org, 'owner@tariff.test', 'owner');
    await addMember(h, org, 'viewer@tariff.test', 'viewer');
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/registers', headers: asOperator, payload: { organizationId: org, registrationNumber: '0000000000170001' } });
    registerId = r.json<{ id: number }>().id;
    tariffs = (await h.app.inject({ method: 'GET', url: '/api/v1/tariffs', headers: bearer(owner) })).json<{ items: typeof tariffs }>().items;
  });
  afterAll(() => h.close());

  it('lists the catalogue of 1, 12, 15 and 36 months', () => {
    expect(tariffs.map((t) => [t.code, t.months, t.price, t.priceToday])).toEqual([
      ['ofd-1m', 1, 40_000, 40_000],
      ['ofd-12m', 12, 300_000, 300_000],
      ['ofd-15m', 15, 360_000, 360_000],
      ['ofd-36m', 36, 750_000, 750_000],
    ]);
  });

  it('refuses a payment the balance does not cover, charging nothing and recording no period', async () => {
    const r = await pay(tariffs[1]!.id, 'pay-12m-0001');
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    expect((await balance()).balance).toBe(0);
    expect((await register()).ofdService).toMatchObject({ until: null, status: 'none', unpaidPolicy: 'stop', acknowledging: true });
  });

  it('pays 12 months from the balance: the service end is derived from the period, a replay charges nothing', async () => {
    expect((await topUp(500_000, 'topup-0001')).statusCode).toBe(201);
    expect((await topUp(500_000, 'topup-0001')).statusCode).toBe(200);
    const r = await pay(tariffs[1]!.id, 'pay-12m-0002');
    expect(r.statusCode).toBe(201);
    const endsOn = new Date(Date.parse(`${moscowDayPlus(0)}T00:00:00Z`));
    endsOn.setUTCFullYear(endsOn.getUTCFullYear() + 1);
    const expectedEnd = new Date(endsOn.getTime() - DAY).toISOString().slice(0, 10);
    expect(r.json()).toMatchObject({ replayed: false, balance: 200_000, period: { source: 'tariff', startsOn: moscowDayPlus(0), endsOn: expectedEnd, price: 300_000 } });
    const again = await pay(tariffs[1]!.id, 'pay-12m-0002');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ replayed: true, balance: 200_000, period: { id: r.json<{ period: { id: number } }>().period.id } });
    expect((await pay(tariffs[0]!.id, 'pay-12m-0002')).json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect((await register()).ofdService).toMatchObject({ until: expectedEnd, status: 'active', acknowledging: true });
  });

  it('chains a renewal after the paid end, and lets a viewer pay nothing', async () => {
    expect((await pay(tariffs[0]!.id, 'pay-1m-0003', viewer)).statusCode).toBe(403);
    const before = (await register()).ofdService['until'] as string;
    const r = await pay(tariffs[0]!.id, 'pay-1m-0003');
    expect(r.statusCode).toBe(201);
    const nextDay = new Date(Date.parse(`${before}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
    expect(r.json()).toMatchObject({ balance: 160_000, period: { startsOn: nextDay } });
    const periods = (await h.app.inject({ method: 'GET', url: `/api/v1/registers/${registerId}/service-periods`, headers: bearer(viewer) })).json<{ items: unknown[] }>();
    expect(periods.items).toHaveLength(2);
    const history = (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/account-history`, headers: bearer(owner) })).json<{ items: Array<{ reason: string; amount: number }> }>();
    expect(history.items.map((i) => [i.reason, i.amount])).toEqual([
      ['tariff', -40_000],
      ['tariff', -300_000],
      ['top_up.operator', 500_000],
    ]);
  });

  it('applies the promotional price inside its dates; the operator manages the catalogue, customers cannot', async () => {
    const body = { name: 'ОФД на 12 месяцев', price: 300_000, promo: { price: 250_000, from: moscowDayPlus(-1), until: moscowDayPlus(1) }, active: true };
    expect((await h.app.inject({ method: 'PUT', url: `/api/v1/tariffs/${tariffs[1]!.id}`, headers: bearer(owner), payload: body })).statusCode).toBe(403);
    const t = await h.app.inject({ method: 'PUT', url: `/api/v1/tariffs/${tariffs[1]!.id}`, headers: asOperator, payload: body });
    expect(t.json()).toMatchObject({ price: 300_000, priceToday: 250_000 });
    const bad = await h.app.inject({ method: 'PUT', url: `/api/v1/tariffs/${tariffs[1]!.id}`, headers: asOperator, payload: { ...body, promo: { ...body.promo, until: moscowDayPlus(-5) } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    await topUp(100_000, 'topup-0002');
    expect((await pay(tariffs[1]!.id, 'pay-12m-0004')).json()).toMatchObject({ balance: 10_000, period: { price: 250_000 } });
    const withdrawn = await h.app.inject({ method: 'PUT', url: `/api/v1/tariffs/${tariffs[0]!.id}`, headers: asOperator, payload: { name: 'ОФД на 1 месяц', price: 40_000, active: false } });
    expect(withdrawn.statusCode).toBe(200);
    expect((await pay(tariffs[0]!.id, 'pay-1m-0005')).json()).toMatchObject({ code: 'TARIFF_UNAVAILABLE' });
  });

  it('keeps the operator’s grant as a period and says the gateway stops acknowledging once the paid days are over', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/registers', headers: asOperator, payload: { organizationId: org, registrationNumber: '0000000000170002' } });
    const id = r.json<{ id: number }>().id;
    const put = await h.app.inject({ method: 'PUT', url: `/api/v1/registers/${id}/ofd-service`, headers: asOperator, payload: { until: moscowDayPlus(-2) } });
    expect(put.json()).toMatchObject({ ofdService: { until: moscowDayPlus(-2), daysLeft: -2, status: 'expired', unpaidPolicy: 'stop', acknowledging: false } });
    const cleared = await h.app.inject({ method: 'PUT', url: `/api/v1/registers/${id}/ofd-service`, headers: asOperator, payload: { until: null } });
    expect(cleared.json()).toMatchObject({ ofdService: { until: null, status: 'none', acknowledging: true } });
  });
});
