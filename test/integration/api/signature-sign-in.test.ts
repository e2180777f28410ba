// Sign-in with an electronic signature: a single-use challenge signed as a detached CMS by a certificate of a test CA
// (OpenSSL; GOST when its engine is installed, else RSA), the certificate bound to a user by СНИЛС / ИНН, a normal
// cookie session started; a reused or unknown challenge, an expired, revoked or untrusted certificate, and a
// certificate nobody bound are refused with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate, parseCrl } from '../../../src/adapters/signature/x509.js';
import { gostEngineMissing, TestCa, type Issued } from '../../support/test-pki.js';
import { bearer, json, startApi, userToken, type ApiHarness } from './api-test-helpers.js';

let h: ApiHarness;
let ca: TestCa;
let person: Issued;
let revoked: Issued;

const personSubject = (snils: string, inn: string) =>
  [
    ['CN', 'Иванов Иван Иванович'],
    ['SN', 'Иванов'],
    ['1.2.643.100.3', snils],
    ['1.2.643.3.131.1.1', inn],
  ] as const;

beforeAll(async () => {
  ca = new TestCa(gostEngineMissing() === undefined ? 'gost' : 'rsa');
  person = ca.issue('person', personSubject('11223344595', '500100732259'));
  revoked = ca.issue('revoked', personSubject('11223344596', '500100732260'));
  ca.revoke(revoked);
  const anchors = [parseCertificate(ca.root.certDer)];
  const crls = [parseCrl(ca.crl())];
  h = await startApi({ kktRegistration: { trust: () => ({ anchors, crls }) } });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

async function challenge(): Promise<string> {
  const r = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signature/challenge' });
  expect(r.statusCode).toBe(200);
  return json<{ challenge: string }>(r).challenge;
}

const signed = (cert: Issued, c: string, signer = ca) => ({ challenge: c, signature: signer.signDetached(cert, Buffer.from(c, 'base64')).toString('base64') });

describe('sign-in with an electronic signature', () => {
  it('binds a certificate to a signed-in user, then signs that user in with it (a normal cookie session)', async () => {
    const { token } = await userToken(h, 'ivanov@example.test');
    const unknown = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signature/session', payload: signed(person, await challenge()) });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ code: 'SIGNATURE_REJECTED', details: [{ issue: 'USER_NOT_FOUND' }] });

    const bound = await h.app.inject({ method: 'POST', url: '/api/v1/me/signature-identities', headers: bearer(token), payload: signed(person, await challenge()) });
    expect(bound.statusCode, bound.body).toBe(200);
    expect(json<{ items: { kind: string; value: string }[] }>(bound).items.map((i) => `${i.kind}:${i.value}`)).toEqual(['snils:11223344595', 'inn:500100732259']);

    const c = await challenge();
    const body = signed(person, c);
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signature/session', payload: body });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ user: { email: 'ivanov@example.test' } });
    const cookie = r.cookies.find((x) => x.name === 'ofd_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `ofd_session=${cookie!.value}` } });
    expect(me.json()).toMatchObject({ user: { email: 'ivanov@example.test' } });

    // The challenge was used up: the same signed challenge does not sign in twice.
    const replay = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signature/session', payload: body });
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('refuses a revoked, an expired and an untrusted certificate, a signature of something else, and an invented challenge', async () => {
    const rev = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signature/session', payload: signed(revoked, await challenge()) });
    expect(rev.json()).toMatchObject({ code: 'SIGNATURE_REJECTED', details: [{ issue: 'CERT_REVOKED' }] });
    expect(rev.json().message).toContain('отозван');

    const old = ca.issue('old', personSubject('11223344597', '500100732261'), { notBefore: new Date(Date.now() - 400 * 86400_000), notAfter: new Date(Date.now() - 86400_000) });
    const exp = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signature/session', payload: signed(old, await challenge()) });
    expect(exp.json()).toMatchObject({ details: [{ issue: 'CERT_EXPIRED' }] });

    const stranger = new TestCa(ca.algorithm, 'Чужой УЦ');
    const foreign = stranger.issue('foreign', personSubject('11223344595', '500100732259'));
    const untrusted = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signature/session', payload: signed(foreign, await challenge(), stranger) });
    expect(untrusted.json()).toMatchObject({ details: [{ issue: 'CHAIN_UNTRUSTED' }] });

    const c = await challenge();
    const other = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signature/session', payload: { challenge: c, signature: ca.signDetached(person, Buffer.from('something else')).toString('base64') } });
    expect(other.json()).toMatchObject({ details: [{ issue: 'DIGEST_MISMATCH' }] });

    const invented = Buffer.alloc(32, 7).toString('base64');
    const inv = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signature/session', payload: signed(person, invented) });
    expect(inv.json()).toMatchObject({ code: 'TOKEN_INVALID' });
    const bad = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signature/session', payload: { challenge: 'short', signature: '' } });
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  }, 60_000);
});
