// GET /branded-receipts/ending on a real PostgreSQL: the caller's organizations whose branded e-receipt service (its
// latest end) ends within 30 days (Moscow calendar) or ended in the last 7, soonest first; a renewed one, one far off,
// one ended long ago and other tenants' left out. The service is bought through the real purchase, then its end moved.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyBrandedReceipts } from '../../../src/billing/branded-receipts.js';
import { operatorTopUp } from '../../../src/billing/debt.js';
import { inBillingTransaction } from '../../../src/billing/transactions.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { addMember, asOperator, bearer, createOrganization, startApi, userToken, type ApiHarness } from '../api/api-test-helpers.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

interface Ending {
  items: Array<{ organizationId: number; organizationName: string; endsAt: string; lastDay: string; daysLeft: number; ended: boolean }>;
  total: number;
}

describe('organizations whose branded e-receipt service ends', () => {
  let h: ApiHarness;
  let viewer: string;
  const orgs: Record<string, number> = {};
  const now = Date.now();
  // The Moscow date `days` after today there, and the instant that day starts (UTC+3, no DST).
  const moscowDayPlus = (days: number) => new Date(now + 3 * HOUR + days * DAY).toISOString().slice(0, 10);
  const moscowDayStart = (days: number) => new Date(Date.parse(`${moscowDayPlus(days)}T00:00:00Z`) - 3 * HOUR);

  /** An organization that bought the service (each `ends` one period), its periods then made to end at those instants. */
  async function withService(key: string, inn: string, ends: Date[], member = true): Promise<void> {
    const id = await createOrganization(h, withInnCheckDigits(inn), `ООО ${key}`);
    orgs[key] = id;
    if (member) await addMember(h, id, 'viewer@brand-ending.test', 'viewer');
    const db = h.database.db;
    await inBillingTransaction(db, (tx) => operatorTopUp(tx, { organizationId: id, amount: 1_000_000, key: `top-up-${key}`, comment: 'тест' }));
    for (const [i, end] of ends.entries()) {
      const { period } = await buyBrandedReceipts(db, { organizationId: id, productCode: 'branded-1m', requestKey: `${key}-${i}`, now: new Date(now) });
      await sql`update branded_receipt_periods set starts_at = ${new Date(end.getTime() - 30 * DAY)}, ends_at = ${end} where id = ${period.id}`.execute(db);
    }
  }

  const ending = async (query = '', headers = bearer(viewer)) => {
    const r = await h.app.inject({ method: 'GET', url: `/api/v1/branded-receipts/ending${query}`, headers });
    expect(r.statusCode, r.body).toBe(200);
    return r.json<Ending>();
  };

  beforeAll(async () => {
    h = await startApi();
    viewer = (await userToken(h, 'viewer@brand-ending.test')).token;
    await withService('in5', '770500001', [new Date(now + 5 * DAY)]);
    await withService('ended2', '770500002', [new Date(now - 2 * DAY)]);
    // The last day exactly 30 days on (ends at the start of day 31) is in; a second later it is day 31, out.
    await withService('edge30', '770500003', [moscowDayStart(31)]);
    await withService('edge31', '770500004', [new Date(moscowDayStart(31).getTime() + 1000)]);
    await withService('ended8', '770500005', [new Date(now - 8 * DAY)]);
    await withService('renewed', '770500006', [new Date(now + 3 * DAY), new Date(now + 368 * DAY)]);
    await withService('foreign', '770500007', [new Date(now + 1 * DAY)], false);
  });
  afterAll(() => h.close());

  it('lists the just ended and the ending within 30 days, soonest first, with the last day and the days left', async () => {
    const r = await ending();
    expect(r.items.map((i) => i.organizationId)).toEqual([orgs.ended2, orgs.in5, orgs.edge30]);
    expect(r.total).toBe(3);
    expect(r.items[0]).toMatchObject({ organizationName: 'ООО ended2', ended: true, daysLeft: -2, lastDay: moscowDayPlus(-2) });
    expect(r.items[1]).toMatchObject({ organizationName: 'ООО in5', ended: false, daysLeft: 5, lastDay: moscowDayPlus(5), endsAt: new Date(now + 5 * DAY).toISOString() });
    expect(r.items[2]).toMatchObject({ ended: false, daysLeft: 30, lastDay: moscowDayPlus(30) });
  });

  it('narrows to one organization; another tenant’s is not there even when asked for, the operator sees it', async () => {
    expect((await ending(`?organizationId=${orgs.in5}`)).items.map((i) => i.organizationId)).toEqual([orgs.in5]);
    expect(await ending(`?organizationId=${orgs.foreign}`)).toEqual({ items: [], total: 0 });
    const all = await ending('', asOperator);
    expect(all.items.map((i) => i.organizationId)).toEqual([orgs.ended2, orgs.foreign, orgs.in5, orgs.edge30]);
  });

  it('answers a bad organization id with a typed 400 naming the field', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/branded-receipts/ending?organizationId=abc', headers: bearer(viewer) });
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('organizationId');
  });
});
