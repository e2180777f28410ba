// Self-service organizations (issue 16) against a real PostgreSQL: registering one with its requisites (field-level
// 400s, nothing written on a refusal), the offer and its acceptances, INN claims (owner's and operator's approval, an
// organization created from documents), the connection settings and the action log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { asOperator, bearer, job, persist, receipt, startApi, userToken, type ApiHarness } from './api-test-helpers.js';
import { organizationBody } from './onboarding-fixture.js';

let h: ApiHarness;
const UA = { 'user-agent': 'Mozilla/5.0 (onboarding test)' };

beforeAll(async () => {
  h = await startApi({ onboarding: { gatewayPublicAddress: 'gate.example:4000', operatorInn: '7704211201' } });
});
afterAll(() => h.close());

const register = (token: string, body: Record<string, unknown>) =>
  h.app.inject({ method: 'POST', url: '/api/v1/organizations/register', headers: { ...bearer(token), ...UA }, payload: body });

async function organizationsWithInn(inn: string): Promise<number> {
  const rows = await h.database.db.selectFrom('organizations').select('id').where('inn', '=', inn).execute();
  return rows.length;
}

describe('registering an organization', () => {
  it('answers field-level 400s and writes nothing', async () => {
    const { token } = await userToken(h, 'bad-input@example.test');
    const good = organizationBody('770300001');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...good, inn: `${(good.inn as string).slice(0, 9)}${(Number((good.inn as string)[9]) + 1) % 10}` }, 'body.inn'],
      [{ ...good, kpp: null }, 'body.kpp'],
      [{ ...good, kpp: '77360100' }, 'body.kpp'],
      [{ ...good, ogrn: '1027700132196' }, 'body.ogrn'],
      [{ ...good, ogrn: '304500116000157' }, 'body.ogrn'],
      [{ ...good, edoOperator: 'kontur' }, 'body.edoOperator'],
      [{ ...good, taxSystems: [] }, 'body.taxSystems'],
      [{ ...good, taxSystems: ['envd'] }, 'body.taxSystems.0'],
      [{ ...good, headName: '  ' }, 'body.headName'],
      [{ ...good, vatPayer: 'yes' }, 'body.vatPayer'],
      [{ ...good, inn: '500100732259', kpp: '773601001', ogrn: '304500116000157' }, 'body.kpp'],
      [{ ...good, acceptOffer: '1999-01-01' }, 'body.acceptOffer'],
    ];
    for (const [body, path] of cases) {
      const r = await register(token, body);
      expect(r.statusCode, `${path}: ${r.body}`).toBe(400);
      expect(r.json<{ code: string; details: Array<{ path: string }> }>().details.map((d) => d.path)).toContain(path);
    }
    expect(await organizationsWithInn(good.inn as string)).toBe(0);
  });

  it('creates the organization with its requisites; the creator is its owner; the offer accepted with it is recorded', async () => {
    const { token, userId } = await userToken(h, 'founder@example.test');
    const offer = (await h.app.inject({ method: 'GET', url: '/api/v1/offers/current' })).json<{ version: string; body: string }>();
    expect(offer.body).toContain('54-ФЗ');
    const body = organizationBody('770300002', { acceptOffer: offer.version, taxSystems: ['usn_income', 'patent'], vatPayer: false });
    const r = await register(token, body);
    expect(r.statusCode, r.body).toBe(201);
    const org = r.json<{ id: number; role: string; offerAccepted: string }>();
    expect(org).toMatchObject({ role: 'owner', offerAccepted: offer.version, inn: body.inn });

    // A fresh session token carries the membership (memberships are read at authentication).
    const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
    expect(me.json<{ memberships: unknown[] }>().memberships).toEqual([{ organizationId: org.id, role: 'owner' }]);
    const profile = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org.id}/profile`, headers: bearer(token) });
    expect(profile.json()).toMatchObject({
      inn: body.inn,
      kpp: '773601001',
      ogrn: body.ogrn,
      headName: 'Иванов Иван Иванович',
      headTitle: 'Генеральный директор',
      edoOperator: 'diadoc',
      edoOperatorTitle: 'Диадок',
      vatPayer: false,
      taxSystems: ['usn_income', 'patent'],
      selfRegistered: true,
    });

    const accepted = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org.id}/offer`, headers: bearer(token) });
    expect(accepted.json()).toMatchObject({
      acceptedCurrent: true,
      acceptances: [{ version: offer.version, userId, email: 'founder@example.test', ip: '127.0.0.1', userAgent: UA['user-agent'] }],
    });
    const log = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org.id}/audit-log`, headers: bearer(token) });
    expect(log.json<{ items: Array<{ action: string; actor: { email: string } }> }>().items.map((i) => [i.action, i.actor.email])).toEqual([
      ['offer.accepted', 'founder@example.test'],
      ['organization.created', 'founder@example.test'],
    ]);
  });

  it('an individual entrepreneur: 12-digit INN, no KPP, OGRNIP', async () => {
    const { token } = await userToken(h, 'ip@example.test');
    const inn = withInnCheckDigits('5001007322');
    const r = await register(token, organizationBody('770300003', { inn, kpp: null, ogrn: '304500116000157', name: 'ИП Петров Пётр Петрович', headTitle: 'Индивидуальный предприниматель' }));
    expect(r.statusCode, r.body).toBe(201);
  });
});

describe('the offer', () => {
  it('a new version must be accepted anew; accepting twice keeps the first acceptance; viewers cannot accept', async () => {
    const { token } = await userToken(h, 'offer-owner@example.test');
    const org = (await register(token, organizationBody('770300004'))).json<{ id: number; offerAccepted: string | null }>();
    expect(org.offerAccepted).toBeNull();
    const before = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org.id}/offer`, headers: bearer(token) });
    expect(before.json()).toMatchObject({ acceptedCurrent: false, acceptances: [] });

    const published = await h.app.inject({ method: 'POST', url: '/api/v1/offers', headers: asOperator, payload: { version: '2027-01-01', title: 'Оферта', body: 'Новая редакция' } });
    expect(published.statusCode, published.body).toBe(201);
    const stale = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org.id}/offer-acceptances`, headers: bearer(token), payload: { version: '2026-12-01' } });
    expect(stale.statusCode).toBe(400);
    expect(stale.json<{ details: Array<{ path: string }> }>().details[0]!.path).toBe('body.version');

    const first = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org.id}/offer-acceptances`, headers: { ...bearer(token), ...UA }, payload: { version: '2027-01-01' } });
    expect(first.statusCode, first.body).toBe(201);
    const again = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org.id}/offer-acceptances`, headers: bearer(token), payload: { version: '2027-01-01' } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());

    const viewer = await userToken(h, 'offer-viewer@example.test');
    await h.database.db.insertInto('memberships').values({ organization_id: org.id, user_id: viewer.userId, role: 'viewer' }).execute();
    const refused = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org.id}/offer-acceptances`, headers: bearer(viewer.token), payload: { version: '2027-01-01' } });
    expect(refused.statusCode).toBe(403);
  });
});

describe('INN claims', () => {
  it('a second claimant gets INN_CLAIMED, files a claim, sees nothing until the owner approves it', async () => {
    const owner = await userToken(h, 'claim-owner@example.test');
    const body = organizationBody('770300005');
    const org = (await register(owner.token, body)).json<{ id: number }>();
    const second = await userToken(h, 'claim-second@example.test');
    const refused = await register(second.token, body);
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ code: string }>().code).toBe('INN_CLAIMED');

    const claim = await h.app.inject({ method: 'POST', url: '/api/v1/inn-claims', headers: bearer(second.token), payload: { inn: body.inn, comment: 'я бухгалтер' } });
    expect(claim.statusCode, claim.body).toBe(201);
    const claimId = claim.json<{ id: number }>().id;
    const dup = await h.app.inject({ method: 'POST', url: '/api/v1/inn-claims', headers: bearer(second.token), payload: { inn: body.inn } });
    expect(dup.json<{ code: string }>().code).toBe('CLAIM_EXISTS');
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org.id}`, headers: bearer(second.token) })).statusCode).toBe(404);
    // The claimant cannot approve its own claim.
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/inn-claims/${claimId}/approve`, headers: bearer(second.token) })).statusCode).toBe(404);

    const pending = await h.app.inject({ method: 'GET', url: '/api/v1/inn-claims?status=pending', headers: bearer(owner.token) });
    expect(pending.json<{ items: Array<{ id: number; claimantEmail: string }> }>().items).toMatchObject([{ id: claimId, claimantEmail: 'claim-second@example.test' }]);
    const approved = await h.app.inject({ method: 'POST', url: `/api/v1/inn-claims/${claimId}/approve`, headers: bearer(owner.token), payload: { role: 'accountant' } });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', decidedByOperator: false });
    const now = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org.id}`, headers: bearer(second.token) });
    expect(now.json()).toMatchObject({ role: 'accountant' });
    const again = await h.app.inject({ method: 'POST', url: `/api/v1/inn-claims/${claimId}/reject`, headers: bearer(owner.token) });
    expect(again.json<{ code: string }>().code).toBe('CLAIM_EXISTS');
    const log = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org.id}/audit-log?action=claim.approved`, headers: bearer(owner.token) });
    expect(log.json<{ items: Array<{ details: Record<string, unknown> }> }>().items[0]!.details).toEqual({ claimant: 'claim-second@example.test', role: 'accountant' });
    // The action log is the owner's: the accountant does not read it.
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org.id}/audit-log`, headers: bearer(second.token) })).statusCode).toBe(403);
  });

  it('an organization created from documents is claimed the same way, and only the operator approves (it has no owner)', async () => {
    const inn = withInnCheckDigits('770300006');
    await persist(h.database, [job('9999078900770006', 1, 3, receipt({ fn: '9999078900770006', fd: 1, inn, regId: '0000000077000006' }))]);
    expect(await organizationsWithInn(inn)).toBe(1);
    const customer = await userToken(h, 'from-docs@example.test');
    const refused = await register(customer.token, organizationBody('770300006'));
    expect(refused.json<{ code: string; message: string }>()).toMatchObject({ code: 'INN_CLAIMED' });
    const claim = (await h.app.inject({ method: 'POST', url: '/api/v1/inn-claims', headers: bearer(customer.token), payload: { inn } })).json<{ id: number; organizationId: number }>();
    // Nobody but the operator can approve it; the documents stay private meanwhile.
    const docs = await h.app.inject({ method: 'GET', url: `/api/v1/documents?fn=9999078900770006`, headers: bearer(customer.token) });
    expect(docs.json<{ items: unknown[] }>().items).toEqual([]);
    const byOperator = await h.app.inject({ method: 'POST', url: `/api/v1/inn-claims/${claim.id}/approve`, headers: asOperator });
    expect(byOperator.json()).toMatchObject({ status: 'approved', decidedByOperator: true });
    const after = await h.app.inject({ method: 'GET', url: `/api/v1/documents?fn=9999078900770006`, headers: bearer(customer.token) });
    expect(after.json<{ items: unknown[] }>().items).toHaveLength(1);
    const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(customer.token) });
    expect(me.json<{ memberships: unknown[] }>().memberships).toEqual([{ organizationId: claim.organizationId, role: 'owner' }]);
  });
});

describe('connection settings', () => {
  it('shows the configured gateway address, the operator INN and the checklist', async () => {
    const { token } = await userToken(h, 'settings@example.test');
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/connection-settings', headers: bearer(token) });
    expect(r.statusCode).toBe(200);
    const s = r.json<{ gateway: unknown; operatorInn: string; checklist: Array<{ key: string }> }>();
    expect(s.gateway).toEqual({ host: 'gate.example', port: 4000, address: 'gate.example:4000' });
    expect(s.operatorInn).toBe('7704211201');
    expect(s.checklist.map((c) => c.key)).toEqual(['kep', 'kkt', 'fn', 'offer', 'register', 'fns', 'settings']);
  });

  it('without a configured address: the host the customer reached and the gateway port', async () => {
    const other = await startApi({ onboarding: { gatewayPort: 4100 } });
    try {
      const r = await other.app.inject({ method: 'GET', url: '/api/v1/connection-settings', headers: { ...asOperator, host: 'ofd.example.org:8080' } });
      expect(r.json<{ gateway: unknown }>().gateway).toEqual({ host: 'ofd.example.org', port: 4100, address: 'ofd.example.org:4100' });
    } finally {
      await other.close();
    }
  });
});
