// GET /ofd-service/ending on a real PostgreSQL: registers whose paid service ends within the window or has ended,
// soonest first, with the days left and the unpaid policy's effect; deregistered registers and other organizations'
// registers left out; a bad window is a typed 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { ADMIN_TOKEN, addMember, asOperator, bearer, createOrganization, startApi, userToken, type ApiHarness } from '../api/api-test-helpers.js';

const DAY = 86_400_000;
const moscowDayPlus = (days: number) => new Date(Date.now() + 3 * 3_600_000 + days * DAY).toISOString().slice(0, 10);

interface Ending {
  items: Array<{ registerId: number; registrationNumber: string; organizationId: number; ofdService: { until: string; daysLeft: number; status: string; acknowledging: boolean } }>;
  total: number;
}

describe('registers whose paid OFD service ends', () => {
  let h: ApiHarness;
  let org: number;
  let other: number;
  let viewer: string;
  const ids: Record<string, number> = {};

  const addRegister = async (organizationId: number, rn: string, until: string | null) => {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/registers', headers: asOperator, payload: { organizationId, registrationNumber: rn } });
    const id = r.json<{ id: number }>().id;
    if (until !== null) expect((await h.app.inject({ method: 'PUT', url: `/api/v1/registers/${id}/ofd-service`, headers: asOperator, payload: { until } })).statusCode).toBe(200);
    return id;
  };
  const ending = async (query = '', token = viewer) => {
    const r = await h.app.inject({ method: 'GET', url: `/api/v1/ofd-service/ending${query}`, headers: bearer(token) });
    expect(r.statusCode, r.body).toBe(200);
    return r.json<Ending>();
  };

  beforeAll(async () => {
    h = await startApi({ unpaidPolicy: 'stop' });
    org = await createOrganization(h, withInnCheckDigits('770400001'), 'ООО Срок');
    other = await createOrganization(h, withInnCheckDigits('770400002'), 'ООО Другая');
    viewer = (await userToken(h, 'viewer@ending.test')).token;
    await addMember(h, org, 'viewer@ending.test', 'viewer');
    ids.in5 = await addRegister(org, '0000000000180005', moscowDayPlus(5));
    ids.in30 = await addRegister(org, '0000000000180030', moscowDayPlus(30));
    ids.in31 = await addRegister(org, '0000000000180031', moscowDayPlus(31));
    ids.ended = await addRegister(org, '0000000000180099', moscowDayPlus(-2));
    ids.none = await addRegister(org, '0000000000180000', null);
    ids.gone = await addRegister(org, '0000000000180001', moscowDayPlus(1));
    await h.database.pool.query(`update registers set status = 'deregistered' where id = $1`, [ids.gone]);
    ids.foreign = await addRegister(other, '0000000000180777', moscowDayPlus(1));
  });
  afterAll(() => h.close());

  it('lists the ended and the ending within 30 days, soonest first, with the days left and the policy’s effect', async () => {
    const r = await ending();
    expect(r.items.map((i) => i.registerId)).toEqual([ids.ended, ids.in5, ids.in30]);
    expect(r.total).toBe(3);
    expect(r.items[0]!.ofdService).toMatchObject({ until: moscowDayPlus(-2), daysLeft: -2, status: 'expired', acknowledging: false });
    expect(r.items[1]!.ofdService).toMatchObject({ until: moscowDayPlus(5), daysLeft: 5, status: 'active', acknowledging: true });
    expect(r.items[2]!.ofdService.daysLeft).toBe(30);
  });

  it('takes another window and one organization; the operator sees every organization', async () => {
    expect((await ending('?withinDays=7')).items.map((i) => i.registerId)).toEqual([ids.ended, ids.in5]);
    expect((await ending('?withinDays=31')).items.map((i) => i.registerId)).toEqual([ids.ended, ids.in5, ids.in30, ids.in31]);
    expect((await ending(`?organizationId=${other}`)).items).toEqual([]);
    const all = await ending('', ADMIN_TOKEN);
    expect(all.items.map((i) => i.registerId)).toEqual([ids.ended, ids.foreign, ids.in5, ids.in30]);
  });

  it('refuses a bad window with a typed 400 naming the field', async () => {
    for (const q of ['?withinDays=abc', '?withinDays=-1', '?withinDays=367', '?organizationId=0']) {
      const r = await h.app.inject({ method: 'GET', url: `/api/v1/ofd-service/ending${q}`, headers: bearer(viewer) });
      expect(r.statusCode, q).toBe(400);
      expect(r.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(JSON.stringify(r.json<{ details: unknown }>().details)).toContain(q.slice(1).split('=')[0]);
    }
  });
});
