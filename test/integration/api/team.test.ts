// The team (issue 16) against a real PostgreSQL and a real SMTP listener: invitations (the invitee has no account yet;
// the link; the invited e-mail only; used once; revoked; expired; rate-limited), and a member limited to one outlet
// trying every list, report, search and export — and every by-id route — for the other outlet's data.
import ExcelJS from 'exceljs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_NAMES } from '../../../src/reports/reports.js';
import { LOCAL_TIME } from '../../support/kkt.js';
import { bearer, closeShift, job, openShift, persist, receipt, startApi, userToken, type ApiHarness } from './api-test-helpers.js';
import { organizationBody } from './onboarding-fixture.js';

let h: ApiHarness;
let owner: { token: string; userId: number };
let orgId: number;
let inn: string;

interface Place {
  fn: string;
  regId: string;
  place: string;
  item: string;
  registerId: number;
  outletId: number;
}
const places: Place[] = [];

beforeAll(async () => {
  h = await startApi();
  owner = await userToken(h, 'team-owner@example.test');
  const body = organizationBody('770400001');
  inn = body.inn as string;
  const r = await h.app.inject({ method: 'POST', url: '/api/v1/organizations/register', headers: bearer(owner.token), payload: body });
  orgId = r.json<{ id: number }>().id;
  // Two shops, a register each, a shift with a receipt each; the second shop's names appear nowhere in the first's.
  for (const [i, spec] of [
    { fn: '9999078900440001', regId: '0000000044000001', place: 'Shop North', item: 'Bread white' },
    { fn: '9999078900440002', regId: '0000000044000002', place: 'Shop South', item: 'Cheese gouda' },
  ].entries()) {
    const shift = { fn: spec.fn, inn, regId: spec.regId, shift: 3, receipts: 1 };
    await persist(h.database, [
      job(spec.fn, 1, 2, openShift({ ...shift, fd: 1 })),
      job(spec.fn, 2, 3, receipt({ fn: spec.fn, fd: 2, inn, regId: spec.regId, shift: 3, itemName: spec.item, place: spec.place, time: LOCAL_TIME + i, buyer: 'buyer@example.test' })),
      job(spec.fn, 3, 5, closeShift({ ...shift, fd: 3 })),
    ]);
    const reg = await h.database.db.selectFrom('registers').select('id').where('registration_number', '=', spec.regId).executeTakeFirstOrThrow();
    const doc = await h.database.db.selectFrom('documents').select('outlet_id').where('fn', '=', spec.fn).where('fd', '=', 2).executeTakeFirstOrThrow();
    const moved = await h.app.inject({ method: 'PATCH', url: `/api/v1/registers/${reg.id}`, headers: bearer(owner.token), payload: { outletId: doc.outlet_id } });
    expect(moved.statusCode, moved.body).toBe(200);
    places.push({ ...spec, registerId: reg.id, outletId: doc.outlet_id! });
  }
  // Both shops' paid service ends within days, so the expiry list (GET /ofd-service/ending) has something to withhold.
  await h.database.pool.query(`insert into ofd_services (register_id, service_until) select unnest($1::bigint[]), current_date + 3`, [places.map((p) => p.registerId)]);
});
afterAll(() => h.close());

const invite = (token: string, payload: Record<string, unknown>) =>
  h.app.inject({ method: 'POST', url: `/api/v1/organizations/${orgId}/invitations`, headers: bearer(token), payload });

async function linkToken(email: string): Promise<string> {
  const mail = await h.smtp.next(email);
  const token = /https:\/\/cabinet\.ofd\.test\/invitations\/([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')?.[1];
  if (!token) throw new Error(`no invitation link in: ${mail.text}`);
  expect(mail.subject).toContain('Приглашение');
  return token;
}

/** Invites `email` limited to the first shop, signs them up and joins: their session token. */
async function limitedMember(email: string, role: 'viewer' | 'accountant'): Promise<string> {
  const r = await invite(owner.token, { email, role, outletIds: [places[0]!.outletId] });
  expect(r.statusCode, r.body).toBe(201);
  const token = await linkToken(email);
  const user = await userToken(h, email);
  const accepted = await h.app.inject({ method: 'POST', url: '/api/v1/invitations/accept', headers: bearer(user.token), payload: { token } });
  expect(accepted.statusCode, accepted.body).toBe(200);
  return user.token;
}

describe('invitations', () => {
  it('reach someone without an account; the link joins them with the role once, and only with the invited e-mail', async () => {
    const sent = await invite(owner.token, { email: 'New.Colleague@Example.test', role: 'viewer' });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json()).toMatchObject({ email: 'new.colleague@example.test', status: 'pending', emailSent: true });
    const token = await linkToken('new.colleague@example.test');
    const preview = await h.app.inject({ method: 'GET', url: `/api/v1/invitations/${token}` });
    expect(preview.json()).toMatchObject({ inn, email: 'new.colleague@example.test', role: 'viewer', status: 'pending', accountExists: false });

    const stranger = await userToken(h, 'stranger@example.test');
    const wrong = await h.app.inject({ method: 'POST', url: '/api/v1/invitations/accept', headers: bearer(stranger.token), payload: { token } });
    expect(wrong.json<{ code: string }>().code).toBe('INVITATION_EMAIL_MISMATCH');

    const invitee = await userToken(h, 'new.colleague@example.test');
    const accepted = await h.app.inject({ method: 'POST', url: '/api/v1/invitations/accept', headers: bearer(invitee.token), payload: { token } });
    expect(accepted.json()).toEqual({ organizationId: orgId, role: 'viewer' });
    const twice = await h.app.inject({ method: 'POST', url: '/api/v1/invitations/accept', headers: bearer(invitee.token), payload: { token } });
    expect(twice.json<{ code: string }>().code).toBe('INVITATION_INVALID');
    const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(invitee.token) });
    expect(me.json<{ memberships: unknown[] }>().memberships).toEqual([{ organizationId: orgId, role: 'viewer' }]);
    const log = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}/audit-log`, headers: bearer(owner.token) });
    const actions = log.json<{ items: Array<{ action: string; actor: { email: string } }> }>().items.map((i) => `${i.action} ${i.actor.email}`);
    expect(actions.slice(0, 2)).toEqual(['invitation.accepted new.colleague@example.test', 'invitation.sent team-owner@example.test']);
  });

  it('a revoked or expired invitation no longer joins', async () => {
    const revokedId = (await invite(owner.token, { email: 'revoked@example.test', role: 'accountant' })).json<{ id: number }>().id;
    const revokedToken = await linkToken('revoked@example.test');
    const revoked = await h.app.inject({ method: 'DELETE', url: `/api/v1/organizations/${orgId}/invitations/${revokedId}`, headers: bearer(owner.token) });
    expect(revoked.json()).toMatchObject({ status: 'revoked' });
    const expiredId = (await invite(owner.token, { email: 'expired@example.test', role: 'accountant' })).json<{ id: number }>().id;
    const expiredToken = await linkToken('expired@example.test');
    await h.database.db.updateTable('invitations').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', expiredId).execute();

    for (const [email, token] of [['revoked@example.test', revokedToken], ['expired@example.test', expiredToken]] as const) {
      const u = await userToken(h, email);
      const r = await h.app.inject({ method: 'POST', url: '/api/v1/invitations/accept', headers: bearer(u.token), payload: { token } });
      expect(r.json<{ code: string }>().code).toBe('INVITATION_INVALID');
      const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(u.token) });
      expect(me.json<{ memberships: unknown[] }>().memberships).toEqual([]);
    }
    const list = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}/invitations`, headers: bearer(owner.token) });
    const statuses = Object.fromEntries(list.json<{ items: Array<{ id: number; status: string }> }>().items.map((i) => [i.id, i.status]));
    expect([statuses[revokedId], statuses[expiredId]]).toEqual(['revoked', 'expired']);
  });

  it('refuses limits on organization-wide roles and on places of another organization, field by field', async () => {
    const other = await userToken(h, 'other-org@example.test');
    const otherOrg = (await h.app.inject({ method: 'POST', url: '/api/v1/organizations/register', headers: bearer(other.token), payload: organizationBody('770400002') })).json<{ id: number }>();
    const otherOutlet = (await h.app.inject({ method: 'POST', url: '/api/v1/outlets', headers: bearer(other.token), payload: { organizationId: otherOrg.id, address: 'Elsewhere 1' } })).json<{ id: number }>();
    const r = await invite(owner.token, { email: 'x@example.test', role: 'admin', outletIds: [places[0]!.outletId, otherOutlet.id], registerIds: [999999] });
    expect(r.statusCode).toBe(400);
    expect(r.json<{ details: Array<{ path: string }> }>().details.map((d) => d.path)).toEqual(['body.role', 'body.outletIds.1', 'body.registerIds.0']);
    const bad = await invite(owner.token, { email: 'not-an-email', role: 'viewer' });
    expect(bad.json<{ details: Array<{ path: string }> }>().details[0]!.path).toBe('body.email');
  });

  it('sending is rate-limited per inviting user', async () => {
    const limited = await startApi({ onboarding: { invitationRateLimit: { max: 2, timeWindowMs: 60_000 } } });
    try {
      const u = await userToken(limited, 'rate-owner@example.test');
      const org = (await limited.app.inject({ method: 'POST', url: '/api/v1/organizations/register', headers: bearer(u.token), payload: organizationBody('770400003') })).json<{ id: number }>();
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await limited.app.inject({ method: 'POST', url: `/api/v1/organizations/${org.id}/invitations`, headers: bearer(u.token), payload: { email: `r${i}@example.test`, role: 'viewer' } });
        codes.push(r.statusCode);
      }
      expect(codes).toEqual([201, 201, 429]);
      await limited.smtp.next('r1@example.test');
      expect(limited.smtp.offered.filter((to) => to.some((t) => /^r\d@/.test(t)))).toHaveLength(2);
    } finally {
      await limited.close();
    }
  });
});

/** Text of a response, an xlsx export's cells included. */
async function textOf(r: LightMyRequestResponse): Promise<string> {
  if (!String(r.headers['content-type'] ?? '').includes('spreadsheetml')) return r.body;
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
  const cells: string[] = [];
  wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => cells.push(String(c.value)))));
  return cells.join('\n');
}

describe('a member limited to one outlet', () => {
  let viewer: string;
  let accountant: string;

  beforeAll(async () => {
    viewer = await limitedMember('shop-viewer@example.test', 'viewer');
    accountant = await limitedMember('shop-accountant@example.test', 'accountant');
  });

  /** Every list, search, report and export, by URL; the route table below must cover every parameterless GET. */
  function listUrls(): string[] {
    const [north, south] = places as [Place, Place];
    return [
      '/api/v1/organizations',
      '/api/v1/outlets',
      `/api/v1/outlets?organizationId=${orgId}`,
      '/api/v1/registers',
      `/api/v1/registers?organizationId=${orgId}`,
      `/api/v1/registers?outletId=${south.outletId}`,
      '/api/v1/ofd-service/ending',
      `/api/v1/ofd-service/ending?organizationId=${orgId}&withinDays=366`,
      '/api/v1/branded-receipts/ending',
      `/api/v1/branded-receipts/ending?organizationId=${orgId}`,
      '/api/v1/fiscal-drives',
      `/api/v1/fiscal-drives?registerId=${south.registerId}`,
      '/api/v1/documents',
      `/api/v1/documents?organizationId=${orgId}`,
      `/api/v1/documents?fn=${south.fn}`,
      `/api/v1/documents?registerId=${south.registerId}`,
      `/api/v1/documents?outletId=${south.outletId}`,
      '/api/v1/documents?item=Cheese',
      '/api/v1/shifts',
      `/api/v1/shifts?fn=${south.fn}`,
      `/api/v1/shifts?organizationId=${orgId}`,
      `/api/v1/search?q=${south.fn}`,
      `/api/v1/search?q=${south.regId}`,
      '/api/v1/search?q=Cheese',
      `/api/v1/search?q=${inn}`,
      '/api/v1/prepared-registers',
      '/api/v1/inn-claims',
      '/api/v1/marking-codes',
      '/api/v1/documents/export?format=csv',
      '/api/v1/documents/export?format=xlsx&items=true',
      ...REPORT_NAMES.flatMap((name) => ['json', 'csv', 'xlsx'].map((format) => `/api/v1/reports/${name}?format=${format}`)),
      ...REPORT_NAMES.map((name) => `/api/v1/reports/${name}?organizationId=${orgId}`),
      `/api/v1/reports/z-report?outletId=${north.outletId}`,
      void north,
    ].filter((u): u is string => typeof u === 'string');
  }

  it('covers every list route of the API (a new one must be added here)', () => {
    const covered = new Set(listUrls().map((u) => u.split('?')[0]!.replace(/\/reports\/[^/]+$/, '/reports/:name')));
    const notLists = new Set(['/api/v1/me', '/api/v1/auth/session', '/api/v1/offers/current', '/api/v1/connection-settings', '/api/v1/prepared-registers/import-template', '/api/v1/public/check', '/api/v1/auth/confirm',
      // The caller's own certificates; the operator's lists (403 for members); catalogues the same for everyone.
      '/api/v1/me/signature-identities', '/api/v1/registers/conflicts', '/api/v1/billing/bank-statements/unmatched', '/api/v1/operator/organizations', '/api/v1/tariffs', '/api/v1/market/products', '/api/v1/market/message-prices', '/api/v1/market/branded-receipts', '/api/v1/kkt-models']);
    const lists = [...new Set(h.routes.filter((r) => r.method === 'GET' && r.url.startsWith('/api/v1') && (!r.url.includes(':') || r.url === '/api/v1/reports/:name')).map((r) => r.url))];
    expect(lists.filter((u) => !covered.has(u) && !notLists.has(u))).toEqual([]);
  });

  for (const who of ['viewer', 'accountant'] as const) {
    it(`never shows the other shop (${who}) through any list, search, report or export`, async () => {
      const token = who === 'viewer' ? viewer : accountant;
      const south = places[1]!;
      const failures: string[] = [];
      for (const url of listUrls()) {
        const r = await h.app.inject({ method: 'GET', url, headers: bearer(token) });
        const isExport = /format=(csv|xlsx)/.test(url);
        if (who === 'viewer' && isExport) {
          if (r.statusCode !== 403) failures.push(`${url} → ${r.statusCode}: a viewer does not export`);
          continue;
        }
        // An export covers whole organizations: a member limited to a shop is refused it rather than shown a part.
        if (url.startsWith('/api/v1/documents/export') && r.statusCode === 403) continue;
        if (r.statusCode !== 200) {
          // Naming the other shop's outlet or register is a 404, as for another tenant.
          if (!(r.statusCode === 404 && (url.includes(String(south.outletId)) || url.includes(String(south.registerId))))) failures.push(`${url} → ${r.statusCode} ${r.body.slice(0, 200)}`);
          continue;
        }
        const text = await textOf(r);
        for (const secret of [south.fn, south.regId, south.place, 'Cheese']) if (text.includes(secret)) failures.push(`${url} shows ${secret}`);
      }
      expect(failures).toEqual([]);
    });
  }

  it('sees its own shop: the lists are not empty for it', async () => {
    const north = places[0]!;
    for (const url of ['/api/v1/registers', '/api/v1/documents', '/api/v1/shifts', '/api/v1/fiscal-drives', '/api/v1/outlets', `/api/v1/search?q=${north.fn}`]) {
      const r = await h.app.inject({ method: 'GET', url, headers: bearer(viewer) });
      expect(r.body, url).toContain(url.includes('outlets') ? north.place : url.includes('registers') ? north.regId : north.fn);
    }
    const report = await h.app.inject({ method: 'GET', url: '/api/v1/reports/shifts', headers: bearer(viewer) });
    expect(report.json<{ items: unknown[] }>().items).toHaveLength(1);
  });

  it('gets 404 for every resource of the other shop by its id', async () => {
    const [north, south] = places as [Place, Place];
    for (const [who, p, status] of [['other', south, 404], ['own', north, 200]] as const) {
      for (const url of [
        `/api/v1/registers/${p.registerId}`,
        `/api/v1/outlets/${p.outletId}`,
        `/api/v1/fiscal-drives/${p.fn}`,
        `/api/v1/documents/${p.fn}/2`,
        `/api/v1/documents/${p.fn}/2/print`,
        `/api/v1/documents/${p.fn}/2/deliveries`,
        `/api/v1/shifts/${p.fn}/3`,
        `/api/v1/shifts/${p.fn}/3/z-report`,
        `/api/v1/reports/vat?registerId=${p.registerId}`,
        `/api/v1/reports/vat?outletId=${p.outletId}`,
      ]) {
        const r = await h.app.inject({ method: 'GET', url, headers: bearer(viewer) });
        expect(r.statusCode, `${who} ${url}: ${r.body.slice(0, 200)}`).toBe(status);
      }
    }
    const patch = await h.app.inject({ method: 'PATCH', url: `/api/v1/registers/${south.registerId}`, headers: bearer(viewer), payload: { outletId: null } });
    expect(patch.statusCode).toBe(404);
    // Organization-wide logs name every register: refused to a limited member.
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}/notifications`, headers: bearer(viewer) })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}/webhooks`, headers: bearer(viewer) })).statusCode).toBe(403);
  });

  it('the accountant sends e-receipts and exports; the viewer does neither', async () => {
    const north = places[0]!;
    const send = (token: string) =>
      h.app.inject({ method: 'POST', url: `/api/v1/documents/${north.fn}/2/deliveries`, headers: bearer(token), payload: { recipient: 'buyer@example.test' } });
    expect((await send(viewer)).statusCode).toBe(403);
    const sent = await send(accountant);
    expect(sent.statusCode, sent.body).toBe(202);
    const other = await h.app.inject({ method: 'POST', url: `/api/v1/documents/${places[1]!.fn}/2/deliveries`, headers: bearer(accountant), payload: { recipient: 'buyer@example.test' } });
    expect(other.statusCode).toBe(404);
    const csv = await h.app.inject({ method: 'GET', url: '/api/v1/reports/shifts?format=csv', headers: bearer(accountant) });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain(north.regId);
  });
});

describe('an owner accepting an invitation', () => {
  it('stays the owner: an invitation never leaves the organization without one', async () => {
    const r = await invite(owner.token, { email: 'team-owner@example.test', role: 'viewer', outletIds: [places[0]!.outletId] });
    expect(r.statusCode, r.body).toBe(201);
    const token = await linkToken('team-owner@example.test');
    const accepted = await h.app.inject({ method: 'POST', url: '/api/v1/invitations/accept', headers: bearer(owner.token), payload: { token } });
    expect(accepted.json()).toEqual({ organizationId: orgId, role: 'owner' });
    const limits = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}/member-limits`, headers: bearer(owner.token) });
    expect(limits.json<{ items: Array<{ userId: number }> }>().items.map((l) => l.userId)).not.toContain(owner.userId);
  });
});
