// Access: sign-up with an e-mailed link (a real SMTP listener), login, password reset, organizations by the operator
// (idempotent by INN), memberships and roles, API keys (shown once, hashed at rest, scoped, revocable).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { addMember, apiKey, asOperator, bearer, createOrganization, job, json, PASSWORD, persist, receipt, startApi, userToken, type ApiHarness } from './api-test-helpers.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApi();
});
afterAll(() => h.close());

const INN = withInnCheckDigits('770100001');

describe('sign-up and login', () => {
  it('e-mails a confirmation link; login works only after following it', async () => {
    const email = 'Alice@Example.test';
    const signup = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email, password: PASSWORD } });
    expect(signup.statusCode).toBe(201);
    expect(signup.json()).toMatchObject({ email: 'alice@example.test', status: 'pending' });

    const early = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
    expect(early.statusCode).toBe(403);
    expect(early.json()).toMatchObject({ code: 'EMAIL_NOT_CONFIRMED' });

    const mail = await h.smtp.next('alice@example.test');
    expect(mail.subject).toMatch(/Подтвердите/);
    expect(mail.from?.text).toContain('no-reply@ofd.test');
    // The link opens the cabinet's confirmation page; the page confirms the token through the API.
    const link = /https:\/\/cabinet\.ofd\.test\/confirm-email\?token=([A-Za-z0-9_-]+)/.exec(mail.text ?? '');
    expect(link).not.toBeNull();
    expect(mail.html).toContain(link![0]);
    const confirm = await h.app.inject({ method: 'POST', url: '/api/v1/auth/confirm', payload: { token: link![1] } });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.json()).toMatchObject({ status: 'active' });
    const again = await h.app.inject({ method: 'GET', url: `/api/v1/auth/confirm?token=${link![1]}` });
    expect(again.json()).toMatchObject({ code: 'TOKEN_INVALID' });

    const login = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
    expect(login.statusCode).toBe(200);
    const { token, tokenType, expiresIn } = json<{ token: string; tokenType: string; expiresIn: number }>(login);
    expect(tokenType).toBe('Bearer');
    expect(expiresIn).toBeGreaterThan(0);
    const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
    expect(me.json()).toMatchObject({ kind: 'user', user: { email: 'alice@example.test' }, memberships: [] });

    // Stored as argon2id, never in clear.
    const row = await h.database.db.selectFrom('users').select('password_hash').where('email', '=', 'alice@example.test').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('refuses weak passwords field by field, a taken e-mail, and wrong credentials alike for known and unknown e-mails', async () => {
    const weak = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email: 'not-an-email', password: 'abc' } });
    expect(weak.statusCode).toBe(400);
    const details = json<{ details: Array<{ path: string; message: string }> }>(weak).details;
    expect(details.filter((d) => d.path === 'body.password').map((d) => d.message)).toHaveLength(4);
    expect(details.some((d) => d.path === 'body.email')).toBe(true);

    const taken = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email: 'alice@example.test', password: PASSWORD } });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ code: 'EMAIL_TAKEN' });

    for (const email of ['alice@example.test', 'nobody@example.test']) {
      const r = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'Wrong-pass1' } });
      expect(r.statusCode).toBe(401);
      expect(r.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
  });

  it('resets a password through the e-mailed link; old sessions and the old password stop working', async () => {
    const { token: oldSession } = await userToken(h, 'bob@example.test');
    const request = await h.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: 'bob@example.test' } });
    expect(request.statusCode).toBe(202);
    const unknown = await h.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: 'ghost@example.test' } });
    expect(unknown.statusCode).toBe(202);

    const mail = await h.smtp.next('bob@example.test');
    const code = /https:\/\/cabinet\.ofd\.test\/reset-password\?token=([A-Za-z0-9_-]{43})\n/.exec(mail.text ?? '')?.[1];
    expect(code).toBeDefined();
    const weak = await h.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token: code, password: 'short' } });
    expect(weak.statusCode).toBe(400);
    const done = await h.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token: code, password: 'New-secret2' } });
    expect(done.statusCode).toBe(200);
    const reuse = await h.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token: code, password: 'New-secret3' } });
    expect(reuse.json()).toMatchObject({ code: 'TOKEN_INVALID' });

    expect((await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(oldSession) })).statusCode).toBe(401);
    const oldLogin = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'bob@example.test', password: PASSWORD } });
    expect(oldLogin.statusCode).toBe(401);
    const newLogin = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'bob@example.test', password: 'New-secret2' } });
    expect(newLogin.statusCode).toBe(200);
  });
});

describe('organizations', () => {
  it('are created by the operator only, idempotently by INN, and an organization made from documents is returned', async () => {
    const { token } = await userToken(h, 'carol@example.test');
    const denied = await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: bearer(token), payload: { inn: INN } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'FORBIDDEN' });

    const created = await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: asOperator, payload: { inn: INN, name: 'ООО Ромашка', kpp: '770101001' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ inn: INN, name: 'ООО Ромашка', kpp: '770101001' });
    const again = await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: asOperator, payload: { inn: INN, name: 'Other' } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: json<{ id: number }>(created).id, name: 'ООО Ромашка' });

    // The persist worker creates organizations from the INN documents carry (1018).
    const docInn = withInnCheckDigits('770100002');
    await persist(h.database, [job('9999078900070001', 1, 3, receipt({ fn: '9999078900070001', fd: 1, inn: docInn, regId: '0000000070000001' }))]);
    const fromDocs = await h.database.db.selectFrom('organizations').select('id').where('inn', '=', docInn).executeTakeFirstOrThrow();
    const claimed = await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: asOperator, payload: { inn: docInn, ogrn: '1027700132195' } });
    expect(claimed.statusCode).toBe(200);
    expect(claimed.json()).toMatchObject({ id: fromDocs.id, ogrn: '1027700132195' });
  });

  it('are visible to members with their role; owners manage members, viewers may not', async () => {
    const orgId = await createOrganization(h, withInnCheckDigits('770100003'));
    const { token: dave } = await userToken(h, 'dave@example.test');
    const { token: erin } = await userToken(h, 'erin@example.test');
    expect(json<{ items: unknown[] }>(await h.app.inject({ method: 'GET', url: '/api/v1/organizations', headers: bearer(dave) })).items).toEqual([]);

    await addMember(h, orgId, 'dave@example.test', 'owner');
    const list = await h.app.inject({ method: 'GET', url: '/api/v1/organizations', headers: bearer(dave) });
    expect(json<{ items: Array<{ id: number; role: string }> }>(list).items).toEqual([expect.objectContaining({ id: orgId, role: 'owner' })]);

    const add = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${orgId}/members`, headers: bearer(dave), payload: { email: 'erin@example.test', role: 'viewer' } });
    expect(add.statusCode).toBe(200);
    const byViewer = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}/members`, headers: bearer(erin) });
    expect(byViewer.statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}`, headers: bearer(erin) })).statusCode).toBe(200);
    const patchByViewer = await h.app.inject({ method: 'PATCH', url: `/api/v1/organizations/${orgId}`, headers: bearer(erin), payload: { name: 'x' } });
    expect(patchByViewer.statusCode).toBe(403);
    const patch = await h.app.inject({ method: 'PATCH', url: `/api/v1/organizations/${orgId}`, headers: bearer(dave), payload: { vatPayer: true, edoOperator: 'Диадок' } });
    expect(patch.json()).toMatchObject({ vatPayer: true, edoOperator: 'Диадок' });

    const erinId = json<{ items: Array<{ userId: number; email: string }> }>(
      await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}/members`, headers: bearer(dave) }),
    ).items.find((m) => m.email === 'erin@example.test')!.userId;
    const removed = await h.app.inject({ method: 'DELETE', url: `/api/v1/organizations/${orgId}/members/${erinId}`, headers: bearer(dave) });
    expect(removed.statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}`, headers: bearer(erin) })).statusCode).toBe(404);

    const lastOwner = await h.app.inject({ method: 'DELETE', url: `/api/v1/organizations/${orgId}/members/${json<{ items: Array<{ userId: number; role: string }> }>(await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}/members`, headers: bearer(dave) })).items.find((m) => m.role === 'owner')!.userId}`, headers: bearer(dave) });
    expect(lastOwner.statusCode).toBe(409);
    expect(lastOwner.json()).toMatchObject({ code: 'LAST_OWNER' });
  });
});

describe('API keys', () => {
  it('are shown once, stored hashed, scoped, and stop working when revoked', async () => {
    const orgId = await createOrganization(h, withInnCheckDigits('770100004'));
    const { token: owner } = await userToken(h, 'frank@example.test');
    await addMember(h, orgId, 'frank@example.test', 'owner');

    const created = await h.app.inject({
      method: 'POST',
      url: `/api/v1/organizations/${orgId}/api-keys`,
      headers: bearer(owner),
      payload: { name: '1C integration', scopes: ['documents:read'] },
    });
    expect(created.statusCode).toBe(201);
    const { key, id, prefix } = json<{ key: string; id: number; prefix: string }>(created);
    expect(key).toMatch(/^ofd_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`ofd_${prefix}_`)).toBe(true);

    const row = await h.database.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(key.slice(17));
    const listed = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}/api-keys`, headers: bearer(owner) });
    expect(listed.body).not.toContain(key.slice(17));

    const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(key) });
    expect(me.json()).toMatchObject({ kind: 'apiKey', apiKey: { organizationId: orgId, scopes: ['documents:read'] } });
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/documents', headers: bearer(key) })).statusCode).toBe(200);
    const outOfScope = await h.app.inject({ method: 'GET', url: '/api/v1/shifts', headers: bearer(key) });
    expect(outOfScope.statusCode).toBe(403);
    // A key cannot mint keys.
    const mint = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${orgId}/api-keys`, headers: bearer(key), payload: { name: 'x' } });
    expect(mint.statusCode).toBe(403);

    const revoke = await h.app.inject({ method: 'DELETE', url: `/api/v1/organizations/${orgId}/api-keys/${id}`, headers: bearer(owner) });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json<{ revokedAt: string | null }>().revokedAt).not.toBeNull();
    const after = await h.app.inject({ method: 'GET', url: '/api/v1/documents', headers: bearer(key) });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('default to the read scopes', async () => {
    const orgId = await createOrganization(h, withInnCheckDigits('770100005'));
    const { key } = await apiKey(h, orgId);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/shifts', headers: bearer(key) })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/registers', headers: bearer(key) })).statusCode).toBe(200);
    const write = await h.app.inject({ method: 'POST', url: '/api/v1/outlets', headers: bearer(key), payload: { organizationId: orgId, address: 'Somewhere 1' } });
    expect(write.statusCode).toBe(403);
  });
});
