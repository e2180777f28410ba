// The web cabinet's browser session: sign-in sets an httpOnly SameSite=Lax cookie (Secure behind HTTPS), CSRF on
// state-changing requests made with it, sign-out revoked server-side, change password, bearer callers unaffected; the
// sign-up profile and offer consent; and the cabinet's static files with the SPA fallback beside /api, /docs, /health.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, json, PASSWORD, startApi, userToken, type ApiHarness } from './api-test-helpers.js';

let h: ApiHarness;
let cabinetDir: string;
beforeAll(async () => {
  cabinetDir = mkdtempSync(join(tmpdir(), 'cabinet-'));
  mkdirSync(join(cabinetDir, 'assets'));
  writeFileSync(join(cabinetDir, 'index.html'), '<!doctype html><title>Кабинет</title><div id="root"></div>');
  writeFileSync(join(cabinetDir, 'assets', 'index-AbC123.js'), 'console.log(1)');
  h = await startApi({ cabinetDir });
});
afterAll(async () => {
  await h?.close();
  rmSync(cabinetDir, { recursive: true, force: true });
});

type Inject = Awaited<ReturnType<ApiHarness['app']['inject']>>;
const cookieOf = (r: Inject) => r.cookies.find((c) => c.name === 'ofd_session');

async function signIn(email: string, password = PASSWORD) {
  const r = await h.app.inject({ method: 'POST', url: '/api/v1/auth/session', payload: { email, password } });
  expect(r.statusCode, r.body).toBe(200);
  const cookie = cookieOf(r)!;
  return { cookie: `ofd_session=${cookie.value}`, csrf: json<{ csrfToken: string }>(r).csrfToken, raw: cookie };
}

describe('cookie session', () => {
  it('sets an httpOnly SameSite=Lax Secure cookie, answers the CSRF token, and authenticates reads with the cookie alone', async () => {
    await userToken(h, 'dora@example.test');
    const wrong = await h.app.inject({ method: 'POST', url: '/api/v1/auth/session', payload: { email: 'dora@example.test', password: 'Wrong-pass1' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(cookieOf(wrong)).toBeUndefined();

    const { cookie, csrf, raw } = await signIn('dora@example.test');
    // publicUrl is https://cabinet.ofd.test in the harness: Secure.
    expect(raw).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true, path: '/', maxAge: 12 * 3600 });
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await h.database.db.selectFrom('user_sessions').select(['token_hash', 'csrf_token']).execute();
    expect(stored.some((s) => s.token_hash === raw.value)).toBe(false);

    const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ kind: 'user', user: { email: 'dora@example.test' } });
    const session = await h.app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie } });
    expect(session.json()).toMatchObject({ csrfToken: csrf, user: { email: 'dora@example.test' } });
  });

  it('refuses a state-changing request made with the cookie but without the CSRF token; bearer callers need none', async () => {
    const { token } = await userToken(h, 'eve@example.test');
    const { cookie, csrf } = await signIn('eve@example.test');
    const body = { currentPassword: PASSWORD, newPassword: 'Other-pass2' };
    const none = await h.app.inject({ method: 'POST', url: '/api/v1/me/password', headers: { cookie }, payload: body });
    expect(none.statusCode).toBe(403);
    expect(none.json()).toMatchObject({ code: 'CSRF_FAILED' });
    const forged = await h.app.inject({ method: 'POST', url: '/api/v1/me/password', headers: { cookie, 'x-csrf-token': 'x'.repeat(43) }, payload: body });
    expect(forged.json()).toMatchObject({ code: 'CSRF_FAILED' });
    // Nothing changed: the old password still signs in.
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'eve@example.test', password: PASSWORD } })).statusCode).toBe(200);

    // A bearer token with a cookie beside it: the header wins, no CSRF token needed.
    const viaBearer = await h.app.inject({ method: 'POST', url: '/api/v1/me/password', headers: { ...bearer(token), cookie: 'ofd_session=garbage' }, payload: { currentPassword: 'Wrong-pass1', newPassword: 'Other-pass2' } });
    expect(viaBearer.statusCode).toBe(401);
    expect(viaBearer.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });

    const ok = await h.app.inject({ method: 'POST', url: '/api/v1/me/password', headers: { cookie, 'x-csrf-token': csrf }, payload: body });
    expect(ok.statusCode, ok.body).toBe(200);
    const fresh = cookieOf(ok);
    expect(fresh?.value).toBeDefined();
    // The change ended the old cookie session and the bearer token; the fresh cookie works.
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `ofd_session=${fresh!.value}` } })).statusCode).toBe(200);
  });

  it('signs out: the session is revoked server-side, so a copy of the cookie no longer works', async () => {
    await userToken(h, 'fay@example.test');
    const { cookie, csrf } = await signIn('fay@example.test');
    const out = await h.app.inject({ method: 'DELETE', url: '/api/v1/auth/session', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(204);
    expect(cookieOf(out)).toMatchObject({ value: '' });
    const after = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const row = await h.database.db.selectFrom('user_sessions as s').innerJoin('users as u', 'u.id', 's.user_id').select('s.revoked_at').where('u.email', '=', 'fay@example.test').executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
  });
});

describe('cookie sign-in and brute force', () => {
  it('locks the account after 5 wrong passwords, as POST /auth/login does (issue 13, item 9), and e-mails it', async () => {
    const email = 'cookie-brute@example.test';
    await userToken(h, email);
    const signIn = (password: string) => h.app.inject({ method: 'POST', url: '/api/v1/auth/session', payload: { email, password } });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await signIn(`Wrong-pass${i}`)).statusCode);
    expect(codes).toEqual([401, 401, 401, 401, 401]);
    const locked = await signIn(PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ code: 'LOGIN_LOCKED' });
    expect((await h.smtp.next(email)).subject).toContain('заблокирован');
  });
});

describe('sign-up profile', () => {
  it('keeps name, phone and the offer consent with the user, and refuses a malformed phone field by field', async () => {
    const bad = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email: 'gus@example.test', password: PASSWORD, phone: '12', acceptOffer: false } });
    expect(bad.statusCode).toBe(400);
    const paths = json<{ details: Array<{ path: string }> }>(bad).details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['body.phone', 'body.acceptOffer']));
    expect(await h.database.db.selectFrom('users').select('id').where('email', '=', 'gus@example.test').executeTakeFirst()).toBeUndefined();

    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 'gus@example.test', password: PASSWORD, fullName: ' Гусев Пётр ', phone: '+79123456789', acceptOffer: true },
    });
    expect(r.statusCode).toBe(201);
    const profile = await h.database.db.selectFrom('user_profiles').selectAll().where('user_id', '=', json<{ id: number }>(r).id).executeTakeFirstOrThrow();
    expect(profile).toMatchObject({ full_name: 'Гусев Пётр', phone: '+79123456789' });
    expect(profile.offer_accepted_at).toBeInstanceOf(Date);
  });
});

describe('cabinet files', () => {
  it('serves the cabinet at / with the SPA fallback, long cache for hashed assets, and leaves /api, /docs, /health alone', async () => {
    const index = await h.app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.headers['cache-control']).toBe('no-cache');
    const deep = await h.app.inject({ method: 'GET', url: '/receipts/9999078900000555/7?x=1', headers: { accept: 'text/html' } });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<div id="root">');
    const asset = await h.app.inject({ method: 'GET', url: '/assets/index-AbC123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    for (const url of ['/api/v1/no-such-thing', '/api', '/docs/nope/deeper', '/health/nope', '/metrics/x']) {
      const r = await h.app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.json(), url).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    }
    expect((await h.app.inject({ method: 'GET', url: '/docs/json' })).json()).toHaveProperty('openapi', '3.1.0');
    expect((await h.app.inject({ method: 'POST', url: '/receipts' })).statusCode).toBe(404);
  });

  it('opens the receipt print page with the cookie session alone (a link from the cabinet)', async () => {
    await userToken(h, 'hal@example.test');
    const { cookie } = await signIn('hal@example.test');
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/documents/9999078900000555/1/print', headers: { cookie } });
    // Authenticated (not 401): the document is simply not this user's.
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/documents/9999078900000555/1/print' })).statusCode).toBe(401);
  });
});
