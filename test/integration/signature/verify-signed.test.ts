// Server-side verification of customers' detached CMS signatures against certificate chains made by OpenSSL (GOST
// R 34.10-2012 through its gost engine, and RSA) and by node-forge (RSA CMS): valid, forged, expired, revoked,
// untrusted and wrong-owner signatures. Skipped for GOST, with the reason, when the engine is not installed.
import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { SignatureError, type SignatureErrorCode } from '../../../src/adapters/signature/errors.js';
import { verifyOrganizationSignature, verifySignedContent, type TrustAnchors } from '../../../src/adapters/signature/verify-signed.js';
import { parseCertificate, parseCrl } from '../../../src/adapters/signature/x509.js';
import { gostEngineMissing, TestCa, type KeyAlgorithm } from '../../support/test-pki.js';

const ORG = { inn: '7704211201', ogrn: '1027700132195' };
const content = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Файл/>', 'utf8');

function codeOf(fn: () => unknown): SignatureErrorCode | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof SignatureError) return e.code;
    throw e;
  }
}

const headSubject = (inn = ORG.inn) =>
  [
    ['CN', 'ООО «Ромашка»'],
    ['O', 'ООО «Ромашка»'],
    ['SN', 'Иванов'],
    ['GN', 'Иван Иванович'],
    ['1.2.643.100.4', inn],
    ['1.2.643.100.1', ORG.ogrn],
    ['1.2.643.100.3', '11223344595'],
    ['1.2.643.3.131.1.1', '500100732259'],
  ] as const;

const missing = gostEngineMissing();

for (const algorithm of ['gost', 'rsa'] as KeyAlgorithm[]) {
  describe.skipIf(algorithm === 'gost' && missing !== undefined)(`${algorithm} chains made by OpenSSL`, () => {
    let ca: TestCa;
    let trust: TrustAnchors;
    beforeAll(() => {
      ca = new TestCa(algorithm);
      trust = { anchors: [parseCertificate(ca.root.certDer)], crls: [] };
    }, 60_000);

    it('accepts the organization head’s signature and reads the owner from the subject', () => {
      const head = ca.issue('head', headSubject());
      const v = verifyOrganizationSignature(ca.signDetached(head, content), content, ORG, trust);
      expect(v.owner).toMatchObject({ organizationInn: ORG.inn, ogrn: ORG.ogrn, snils: '11223344595', personInn: '500100732259', commonName: 'ООО «Ромашка»' });
      expect(v.chain).toHaveLength(2);
      expect(Math.abs(v.signingTime.getTime() - Date.now())).toBeLessThan(120_000);
    });

    it('accepts a chain through an intermediate CA carried in the CMS', () => {
      const sub = ca.issue('sub', [['CN', 'Подчинённый УЦ']], { ca: true });
      const leaf = ca.issue('leaf-sub', headSubject(), { issuer: sub });
      expect(codeOf(() => verifyOrganizationSignature(ca.signDetached(leaf, content, [sub]), content, ORG, trust))).toBe('ok');
      // without the intermediate the chain cannot be built
      expect(codeOf(() => verifyOrganizationSignature(ca.signDetached(leaf, content), content, ORG, trust))).toBe('CHAIN_UNTRUSTED');
    });

    it('refuses a signature of another document, and a tampered signature', () => {
      const head = ca.issue('head2', headSubject());
      const cms = ca.signDetached(head, content);
      expect(codeOf(() => verifySignedContent(cms, Buffer.from('другой документ'), trust))).toBe('DIGEST_MISMATCH');
      const tampered = Buffer.from(cms);
      tampered[tampered.length - 3]! ^= 0x01; // inside the signature value, the last field of the SignerInfo
      expect(codeOf(() => verifySignedContent(tampered, content, trust))).toBe('SIGNATURE_INVALID');
      expect(codeOf(() => verifySignedContent(Buffer.from('not a cms'), content, trust))).toBe('CMS_MALFORMED');
    });

    it('refuses an expired certificate, a wrong owner and an untrusted CA', () => {
      const expired = ca.issue('expired', headSubject(), { notBefore: new Date(Date.now() - 400 * 86400_000), notAfter: new Date(Date.now() - 86400_000) });
      expect(codeOf(() => verifyOrganizationSignature(ca.signDetached(expired, content), content, ORG, trust))).toBe('CERT_EXPIRED');
      const other = ca.issue('other', headSubject('7707083893'));
      expect(codeOf(() => verifyOrganizationSignature(ca.signDetached(other, content), content, ORG, trust))).toBe('OWNER_MISMATCH');
      const stranger = new TestCa(algorithm, 'Чужой УЦ');
      const foreign = stranger.issue('foreign', headSubject());
      expect(codeOf(() => verifyOrganizationSignature(stranger.signDetached(foreign, content), content, ORG, trust))).toBe('CHAIN_UNTRUSTED');
    }, 60_000);

    it('refuses a revoked certificate once the CA’s CRL lists it, and only with a CRL the CA signed', () => {
      const head = ca.issue('revoked', headSubject());
      const cms = ca.signDetached(head, content);
      ca.revoke(head);
      const crl = parseCrl(ca.crl());
      expect(crl.revoked.has(head.serial)).toBe(true);
      expect(codeOf(() => verifyOrganizationSignature(cms, content, ORG, { ...trust, crls: [crl] }))).toBe('CERT_REVOKED');
      // a CRL with a broken signature is ignored: without requireCrl the certificate passes, with it it is refused
      const forged = { ...crl, signature: Buffer.from(crl.signature).fill(1, 0, 8) };
      expect(codeOf(() => verifyOrganizationSignature(cms, content, ORG, { ...trust, crls: [forged] }))).toBe('ok');
      expect(codeOf(() => verifyOrganizationSignature(cms, content, ORG, { ...trust, crls: [forged] }, { requireCrl: true }))).toBe('CRL_UNAVAILABLE');
    });

    it('refuses a signing time too far from now (a replayed or back-dated signature)', () => {
      const head = ca.issue('late', headSubject());
      const cms = ca.signDetached(head, content);
      expect(codeOf(() => verifySignedContent(cms, content, trust, { now: new Date(Date.now() + 2 * 86400_000) }))).toBe('SIGNING_TIME_OUT_OF_RANGE');
      expect(codeOf(() => verifySignedContent(cms, content, trust, { now: new Date(Date.now() - 3600_000) }))).toBe('SIGNING_TIME_OUT_OF_RANGE');
    });
  });
}

describe('RSA CMS made by node-forge (a test signer like the browser’s)', () => {
  let ca: TestCa;
  beforeAll(() => {
    ca = new TestCa('rsa', 'УЦ для forge');
  }, 60_000);

  function forgeSign(certPem: string, keyPem: string, data: Buffer, signingTime: Date): Buffer {
    const p7 = forge.pkcs7.createSignedData();
    p7.content = forge.util.createBuffer(data.toString('binary'));
    const certificate = forge.pki.certificateFromPem(certPem);
    p7.addCertificate(certificate);
    p7.addSigner({
      key: forge.pki.privateKeyFromPem(keyPem),
      certificate,
      digestAlgorithm: forge.pki.oids['sha256']!,
      authenticatedAttributes: [
        { type: forge.pki.oids['contentType']!, value: forge.pki.oids['data']! },
        { type: forge.pki.oids['messageDigest']! },
        { type: forge.pki.oids['signingTime']!, value: signingTime as unknown as string },
      ],
    });
    p7.sign({ detached: true });
    return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
  }

  it('verifies it, and sees the signing time the signer put in', () => {
    const head = ca.issue('forge-head', headSubject());
    const trust = { anchors: [parseCertificate(ca.root.certDer)], crls: [] };
    // Whole seconds (CMS signingTime has no fraction); not before the root, which `openssl req -x509` dates from now.
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const v = verifyOrganizationSignature(forgeSign(head.certPem, readFileSync(head.keyFile, 'utf8'), content, at), content, ORG, trust);
    expect(v.signingTime.toISOString()).toBe(at.toISOString());
    expect(codeOf(() => verifySignedContent(forgeSign(head.certPem, readFileSync(head.keyFile, 'utf8'), content, at), Buffer.from('x'), trust))).toBe('DIGEST_MISMATCH');
  });
});
