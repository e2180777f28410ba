// The operator's staff (OFD_OPERATOR_EMAILS): a user signed in as themselves may do what the operator token may do
// behind requireOperator (the tariff catalogue, bank statements), its cabinet session says so, and it still reads no
// other tenant's data; any other user keeps 403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { bearer, createOrganization, json, PASSWORD, startApi, userToken, type ApiHarness } from './api-test-helpers.js';

const STAFF = 'tamara.staff@ofd.test';
const CUSTOMER = 'ivan.customer@shop.test';

let h: ApiHarness;
let staff: string;
let customer: string;
beforeAll(async () => {
  h = await startApi({ operatorEmails: new Set([STAFF]) });
  staff = (await userToken(h, STAFF)).token;
  customer = (await userToken(h, CUSTOMER)).token;
});
afterAll(() => h?.close());

const tariff = { code: 'staff-12', months: 12, name: 'Год для проверки', price: 300_000, promo: null, active: true };

describe('the operator’s staff', () => {
  it('says so in the cabinet session (at sign-in and after a reload); other users are not staff', async () => {
    const signIn = async (email: string) => {
      const r = await h.app.inject({ method: 'POST', url: '/api/v1/auth/session', payload: { email, password: PASSWORD } });
      expect(r.statusCode, r.body).toBe(200);
      return { body: json<{ operator: boolean; csrfToken: string }>(r), cookie: `ofd_session=${r.cookies.find((c) => c.name === 'ofd_session')!.value}` };
    };
    const s = await signIn(STAFF);
    expect(s.body.operator).toBe(true);
    expect(json<{ operator: boolean }>(await h.app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie: s.cookie } })).operator).toBe(true);
    expect((await signIn(CUSTOMER)).body.operator).toBe(false);

    // The cookie session acts as the staff too (with its CSRF token, as every cabinet write).
    const created = await h.app.inject({ method: 'POST', url: '/api/v1/tariffs', headers: { cookie: s.cookie, 'x-csrf-token': s.body.csrfToken }, payload: { ...tariff, code: 'staff-cookie' } });
    expect(created.statusCode, created.body).toBe(201);
  });

  it('manages the tariff catalogue; a customer is refused every step', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/api/v1/tariffs', headers: bearer(staff), payload: tariff });
    expect(created.statusCode, created.body).toBe(201);
    const id = json<{ id: number }>(created).id;
    const archived = await h.app.inject({ method: 'PUT', url: `/api/v1/tariffs/${id}`, headers: bearer(staff), payload: { name: 'Год (архив)', price: 310_000, promo: null, active: false } });
    expect(archived.statusCode, archived.body).toBe(200);
    // Withdrawn tariffs are listed for the staff with ?all=1 only, never for a customer.
    const list = async (token: string) => json<{ items: Array<{ id: number; name: string; active: boolean }> }>(await h.app.inject({ method: 'GET', url: '/api/v1/tariffs?all=true', headers: bearer(token) })).items;
    expect((await list(staff)).find((t) => t.id === id)).toMatchObject({ name: 'Год (архив)', active: false });
    expect((await list(customer)).some((t) => t.id === id)).toBe(false);

    expect((await h.app.inject({ method: 'POST', url: '/api/v1/tariffs', headers: bearer(customer), payload: { ...tariff, code: 'cust-12' } })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'PUT', url: `/api/v1/tariffs/${id}`, headers: bearer(customer), payload: { name: 'x', price: 1, promo: null, active: true } })).statusCode).toBe(403);
  });

  it('imports bank statements and lists the unmatched; a customer is refused', async () => {
    const csv = 'date;number;amount;payerInn;payerName;purpose\n05.12.2026;4401;150,00;7700000000;ООО Ромашка;Оплата без счёта\n';
    const post = (token: string) =>
      h.app.inject({ method: 'POST', url: '/api/v1/billing/bank-statements?format=csv', headers: { ...bearer(token), 'content-type': 'text/csv' }, payload: csv });
    const r = await post(staff);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ lines: 1, matched: 0, unmatched: 1, payments: [{ documentNumber: '4401', amount: 15_000, outcome: 'unmatched', organization: null }] });
    const unmatched = await h.app.inject({ method: 'GET', url: '/api/v1/billing/bank-statements/unmatched', headers: bearer(staff) });
    expect(json<{ items: Array<{ documentNumber: string }> }>(unmatched).items.map((i) => i.documentNumber)).toContain('4401');
    expect((await post(customer)).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/billing/bank-statements/unmatched', headers: bearer(customer) })).statusCode).toBe(403);
  });

  it('reads no tenant it is not a member of: that stays the operator token’s', async () => {
    const org = await createOrganization(h, withInnCheckDigits('770700777'), 'ООО «Чужая»');
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}`, headers: bearer(staff) })).statusCode).toBe(404);
    const listed = json<{ items: Array<{ id: number }> }>(await h.app.inject({ method: 'GET', url: '/api/v1/organizations', headers: bearer(staff) }));
    expect(listed.items.some((o) => o.id === org)).toBe(false);
  });
});
