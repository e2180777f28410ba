// Notification rules and log (issue 7) and the OFD service end of registers, through the API (fastify inject) over a
// real PostgreSQL, with documents stored by the real persist processor; conditions evaluated by the real evaluator (an
// injected clock) and their e-mails sent by the real dispatcher to the harness's SMTP sink.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpEmailSender } from '../../../src/adapters/email/smtp-email-sender.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createConditionEmailDispatcher } from '../../../src/workers/notify/condition-emails.js';
import { createConditionEvaluator } from '../../../src/workers/notify/conditions.js';
import { addMember, apiKey, asOperator, bearer, startApi, userToken, type ApiHarness } from './api-test-helpers.js';
import { seedTenant, type Tenant } from './tenant-fixture.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let h: ApiHarness;
let a: Tenant;
let b: Tenant;
let viewer: string;
let admin: string;
let readKey: string;

beforeAll(async () => {
  h = await startApi();
  a = await seedTenant(h, 1, { email: 'owner-a@example.test' });
  b = await seedTenant(h, 2, { email: 'owner-b@example.test' });
  viewer = (await userToken(h, 'viewer-a@example.test')).token;
  await addMember(h, a.organizationId, 'viewer-a@example.test', 'viewer');
  admin = (await userToken(h, 'admin-a@example.test')).token;
  await addMember(h, a.organizationId, 'admin-a@example.test', 'admin');
  readKey = (await apiKey(h, a.organizationId)).key;
});
afterAll(() => h.close());

const rulesUrl = (org: number) => `/api/v1/organizations/${org}/notification-rules`;
const logUrl = (org: number, query = '') => `/api/v1/organizations/${org}/notifications${query}`;

async function putRules(token: string, payload: unknown, org = a.organizationId) {
  return h.app.inject({ method: 'PUT', url: rulesUrl(org), headers: bearer(token), payload: payload as Record<string, unknown> });
}
async function getRules(token: string, org = a.organizationId) {
  return h.app.inject({ method: 'GET', url: rulesUrl(org), headers: bearer(token) });
}

/** Moscow calendar date `days` after today's. */
const moscowDayPlus = (days: number, now = Date.now()) => new Date(now + 3 * HOUR + days * DAY).toISOString().slice(0, 10);

describe('notification rules', () => {
  it('are the defaults until replaced, and every member and the organization’s API key may read them', async () => {
    for (const token of [a.userToken, viewer, admin, readKey, asOperator.authorization.slice('Bearer '.length)]) {
      const r = await getRules(token);
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ organizationId: a.organizationId, disabledKinds: [], silentAfterHours: null, updatedAt: null });
    }
  });

  it('are replaced as a whole by owners, admins and the operator; viewers and API keys are refused with FORBIDDEN', async () => {
    for (const token of [viewer, readKey, a.apiKey]) {
      const r = await putRules(token, { disabledKinds: ['fn.fill'], silentAfterHours: 12 });
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    const byOwner = await putRules(a.userToken, { disabledKinds: ['fn.fill', 'documents.unsent', 'fn.fill'], silentAfterHours: 12 });
    expect(byOwner.statusCode).toBe(200);
    // Duplicates dropped; listed in the catalogue's order.
    expect(byOwner.json()).toMatchObject({ organizationId: a.organizationId, disabledKinds: ['fn.fill', 'documents.unsent'], silentAfterHours: 12 });
    expect(Date.parse(byOwner.json<{ updatedAt: string }>().updatedAt)).toBeGreaterThan(Date.now() - 60_000);

    const byAdmin = await putRules(admin, { disabledKinds: ['ofd.expiring'], silentAfterHours: null });
    expect(byAdmin.json()).toMatchObject({ disabledKinds: ['ofd.expiring'], silentAfterHours: null });
    const byOperator = await h.app.inject({ method: 'PUT', url: rulesUrl(a.organizationId), headers: asOperator, payload: { disabledKinds: [], silentAfterHours: 48 } });
    expect(byOperator.json()).toMatchObject({ disabledKinds: [], silentAfterHours: 48 });
    expect((await getRules(viewer)).json()).toMatchObject({ disabledKinds: [], silentAfterHours: 48 });
    // Another organization's rules are untouched.
    expect((await getRules(b.userToken, b.organizationId)).json()).toMatchObject({ disabledKinds: [], silentAfterHours: null, updatedAt: null });
  });

  it('refuse unknown kinds, bad thresholds, missing and unknown fields with VALIDATION_FAILED naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ disabledKinds: ['fn.fill', 'fn.exploded'], silentAfterHours: 12 }, 'body.disabledKinds.1'],
      [{ disabledKinds: ['FN.FILL'], silentAfterHours: 12 }, 'body.disabledKinds.0'],
      [{ disabledKinds: [], silentAfterHours: 0 }, 'body.silentAfterHours'],
      [{ disabledKinds: [], silentAfterHours: 1.5 }, 'body.silentAfterHours'],
      [{ disabledKinds: [], silentAfterHours: 24 * 367 }, 'body.silentAfterHours'],
      [{ disabledKinds: [] }, 'body.silentAfterHours'],
      [{ silentAfterHours: 12 }, 'body.disabledKinds'],
      [{ disabledKinds: 'fn.fill', silentAfterHours: 12 }, 'body.disabledKinds'],
      [{ disabledKinds: [], silentAfterHours: 12, silentHours: 3 }, 'body'],
    ];
    for (const [payload, path] of cases) {
      const r = await putRules(a.userToken, payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      const body = r.json<{ code: string; details: Array<{ path: string }> }>();
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.details.map((d) => d.path)).toContain(path);
    }
    expect((await getRules(a.userToken)).json()).toMatchObject({ disabledKinds: [], silentAfterHours: 48 });
  });

  it('answer 404 for an organization that does not exist', async () => {
    const r = await h.app.inject({ method: 'GET', url: rulesUrl(999_999), headers: asOperator });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'NOT_FOUND' });
  });
});

interface EventJson {
  id: number;
  kind: string;
  subject: string;
  threshold: string | null;
  firedAt: string;
  active: boolean | null;
  data: Record<string, unknown>;
  emails: { delivered: number; pending: number; failed: number };
}

describe('notification log', () => {
  const lastDocument = () => Math.max(...a.receivedAt.map((d) => d.getTime()), ...b.receivedAt.map((d) => d.getTime()));
  let clock = new Date();
  const evaluator = () => createConditionEvaluator({ db: h.database.db, logger: silentLogger(), emails: true, now: () => clock });
  const items = async (token: string, query = '', org = a.organizationId) => {
    const r = await h.app.inject({ method: 'GET', url: logUrl(org, query), headers: bearer(token) });
    expect(r.statusCode, r.body).toBe(200);
    return r.json<{ items: EventJson[] }>().items;
  };

  it('honours the rules set through the API: A’s 48-hour silence threshold, B’s default of 24 hours', async () => {
    clock = new Date(lastDocument() + 30 * HOUR);
    const fired = await evaluator().evaluate();
    expect(fired.map((c) => `${c.organizationId}|${c.kind}|${c.subject}`)).toEqual([`${b.organizationId}|register.silent|register:${b.registerId}`]);
    clock = new Date(lastDocument() + 49 * HOUR);
    expect((await evaluator().evaluate()).map((c) => `${c.organizationId}|${c.kind}`)).toEqual([`${a.organizationId}|register.silent`]);
  });

  it('lists what fired for the organization, to members and its API key only, with the e-mails’ outcome', async () => {
    const mine = await items(a.userToken);
    expect(mine).toEqual([
      {
        id: expect.any(Number) as number,
        kind: 'register.silent',
        subject: `register:${a.registerId}`,
        threshold: null,
        firedAt: clock.toISOString(),
        active: true,
        data: expect.objectContaining({ registerId: a.registerId, registrationNumber: a.regId, fn: a.fn, silentAfterHours: 48 }) as Record<string, unknown>,
        emails: { delivered: 0, pending: 2, failed: 0 },
      },
    ]);
    for (const token of [viewer, readKey]) expect(await items(token)).toEqual(mine);
    expect((await items(b.apiKey, '', b.organizationId)).map((e) => e.subject)).toEqual([`register:${b.registerId}`]);
    const denied = await h.app.inject({ method: 'GET', url: logUrl(b.organizationId), headers: bearer(a.userToken) });
    expect(denied.statusCode).toBe(404);

    // The owner and the admin get the e-mail (not the viewer); the log shows them delivered.
    const email = createSmtpEmailSender({ url: `smtp://127.0.0.1:${h.smtp.port}`, from: 'OFD <alerts@ofd.test>' });
    try {
      await createConditionEmailDispatcher({ db: h.database.db, email, logger: silentLogger() }).deliverDue();
    } finally {
      await email.close();
    }
    expect((await h.smtp.next('admin-a@example.test')).subject).toBe('Касса молчит');
    expect((await h.smtp.next('owner-a@example.test')).subject).toBe('Касса молчит');
    expect((await items(viewer))[0]!.emails).toEqual({ delivered: 2, pending: 0, failed: 0 });
  });

  it('shows a cleared state as inactive and a new firing above it; pages by beforeId; filters by kind', async () => {
    // The register speaks again, then falls silent: the old firing is no longer active, a new one is.
    await h.database.db.insertInto('document_keys').values({ fn: a.fn, fd: 6, received_at: new Date(clock.getTime() + HOUR) }).execute();
    await h.database.db.updateTable('fiscal_drives').set({ last_fd: 6 }).where('fn', '=', a.fn).execute();
    clock = new Date(clock.getTime() + 2 * HOUR);
    expect(await evaluator().evaluate()).toEqual([]);
    expect((await items(a.userToken)).map((e) => e.active)).toEqual([false]);
    clock = new Date(clock.getTime() + 50 * HOUR);
    // B's register has stayed silent (still armed): only A's fires again.
    expect((await evaluator().evaluate()).map((c) => `${c.organizationId}|${c.kind}`)).toEqual([`${a.organizationId}|register.silent`]);

    const all = await items(a.userToken);
    expect(all.map((e) => [e.kind, e.active])).toEqual([
      ['register.silent', true],
      ['register.silent', false],
    ]);
    expect(all[0]!.id).toBeGreaterThan(all[1]!.id);
    expect(await items(a.userToken, '?limit=1')).toEqual([all[0]]);
    expect(await items(a.userToken, `?limit=1&beforeId=${all[0]!.id}`)).toEqual([all[1]]);
    expect(await items(a.userToken, '?kind=register.silent')).toEqual(all);
    expect(await items(a.userToken, '?kind=fns.rejected')).toEqual([]);
    const bad = await h.app.inject({ method: 'GET', url: logUrl(a.organizationId, '?kind=fn.exploded'), headers: bearer(a.userToken) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'query.kind' })] });
  });
});

describe('OFD service end of a register', () => {
  const serviceUrl = (id: number) => `/api/v1/registers/${id}/ofd-service`;

  it('is set by the operator and shown to the organization in the register detail and list, with the days left', async () => {
    const until = moscowDayPlus(45);
    const set = await h.app.inject({ method: 'PUT', url: serviceUrl(a.registerId), headers: asOperator, payload: { until } });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ id: a.registerId, ofdService: { until, daysLeft: 45 } });
    const detail = await h.app.inject({ method: 'GET', url: `/api/v1/registers/${a.registerId}`, headers: bearer(readKey) });
    expect(detail.json()).toMatchObject({ ofdService: { until, daysLeft: 45 } });
    const list = await h.app.inject({ method: 'GET', url: '/api/v1/registers', headers: bearer(viewer) });
    expect(list.json<{ items: Array<{ id: number; ofdService: unknown }> }>().items).toEqual([expect.objectContaining({ id: a.registerId, ofdService: expect.objectContaining({ until, daysLeft: 45 }) })]);
    const other = await h.app.inject({ method: 'GET', url: `/api/v1/registers/${b.registerId}`, headers: bearer(b.apiKey) });
    expect(other.json()).toMatchObject({ ofdService: { until: null, daysLeft: null } });
  });

  it('appears in the fn-schedule report (JSON and the CSV header)', async () => {
    const r = await h.app.inject({ method: 'GET', url: `/api/v1/reports/fn-schedule?organizationId=${a.organizationId}`, headers: bearer(readKey) });
    expect(r.statusCode).toBe(200);
    const report = r.json<{ columns: Array<{ key: string; title: string }>; items: Array<Record<string, unknown>> }>();
    expect(report.items).toEqual([expect.objectContaining({ fn: a.fn, ofdServiceUntil: moscowDayPlus(45), ofdServiceDaysLeft: 45 })]);
    expect(report.columns).toEqual(
      expect.arrayContaining([
        { key: 'ofdServiceUntil', title: 'Обслуживание ОФД до', kind: 'text' },
        { key: 'ofdServiceDaysLeft', title: 'Дней обслуживания ОФД', kind: 'int' },
      ]),
    );
    const csv = await h.app.inject({ method: 'GET', url: `/api/v1/reports/fn-schedule?organizationId=${a.organizationId}&format=csv`, headers: bearer(readKey) });
    const [header, row] = csv.rawPayload.subarray(3).toString('utf8').split('\r\n').map((l) => l.split(';'));
    expect(row![header!.indexOf('Обслуживание ОФД до')]).toBe(moscowDayPlus(45));
    expect(row![header!.indexOf('Дней обслуживания ОФД')]).toBe('45');
  });

  it('fires ofd.expiring for the organization when it ends within 30 days', async () => {
    await h.app.inject({ method: 'PUT', url: serviceUrl(a.registerId), headers: asOperator, payload: { until: moscowDayPlus(20) } });
    const clock = new Date();
    const fired = await createConditionEvaluator({ db: h.database.db, logger: silentLogger(), now: () => clock }).evaluate();
    expect(fired.filter((c) => c.kind === 'ofd.expiring').map((c) => [c.organizationId, c.subject, c.threshold])).toEqual([[a.organizationId, `register:${a.registerId}`, '30d']]);
    const log = await h.app.inject({ method: 'GET', url: logUrl(a.organizationId, '?kind=ofd.expiring'), headers: bearer(viewer) });
    expect(log.json<{ items: EventJson[] }>().items).toEqual([
      expect.objectContaining({ kind: 'ofd.expiring', threshold: '30d', active: true, data: expect.objectContaining({ serviceUntil: moscowDayPlus(20), daysLeft: 20 }) as unknown }),
    ]);
  });

  it('is not the customer’s to set: FORBIDDEN on its own register, NOT_FOUND on another’s; bad dates are refused; null clears it', async () => {
    for (const token of [a.userToken, admin, a.apiKey]) {
      const own = await h.app.inject({ method: 'PUT', url: serviceUrl(a.registerId), headers: bearer(token), payload: { until: moscowDayPlus(400) } });
      expect(own.statusCode).toBe(403);
      expect(own.json()).toMatchObject({ code: 'FORBIDDEN' });
      const other = await h.app.inject({ method: 'PUT', url: serviceUrl(b.registerId), headers: bearer(token), payload: { until: moscowDayPlus(400) } });
      expect(other.statusCode).toBe(404);
    }
    for (const until of ['2025-02-30', '2025-13-01', '0000-01-01', '31.12.2025', '', 20251231]) {
      const r = await h.app.inject({ method: 'PUT', url: serviceUrl(a.registerId), headers: asOperator, payload: { until } });
      expect(r.statusCode, String(until)).toBe(400);
      const body = r.json<{ code: string; details: Array<{ path: string }> }>();
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(new Set(body.details.map((d) => d.path))).toEqual(new Set(['body.until']));
    }
    const missing = await h.app.inject({ method: 'PUT', url: serviceUrl(999_999), headers: asOperator, payload: { until: null } });
    expect(missing.statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/registers/${a.registerId}`, headers: asOperator })).json()).toMatchObject({
      ofdService: { until: moscowDayPlus(20) },
    });
    const cleared = await h.app.inject({ method: 'PUT', url: serviceUrl(a.registerId), headers: asOperator, payload: { until: null } });
    expect(cleared.json()).toMatchObject({ ofdService: { until: null, daysLeft: null } });
  });
});

describe('OpenAPI', () => {
  it('documents the new endpoints, the kinds and the OFD service', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    expect(Object.keys(doc.paths['/api/v1/organizations/{id}/notification-rules']!).sort()).toEqual(['get', 'put']);
    expect(doc.paths['/api/v1/organizations/{id}/notifications']).toHaveProperty('get');
    expect(doc.paths['/api/v1/registers/{id}/ofd-service']).toHaveProperty('put');
    const rules = JSON.stringify(doc.paths['/api/v1/organizations/{id}/notification-rules']);
    for (const kind of ['register.silent', 'fn.expiring', 'fn.fill', 'documents.unsent', 'flk.failed', 'fns.rejected', 'ofd.expiring']) expect(rules).toContain(`"${kind}"`);
    expect(JSON.stringify(doc.paths['/api/v1/registers/{id}'])).toContain('ofdService');
    expect(JSON.stringify(doc.paths['/api/v1/organizations/{id}/webhooks'])).toContain('ofd.expiring');
  });
});
