// loadCrptSigner: the signer chosen by OFD_CRPT_SIGNER and its key files; bad settings name the variable.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDevRsaKey, generateGostKey, gostVerifyRaw, verifyRsaCms } from '../../../src/adapters/crpt/signer.js';
import { loadCrptSigner } from '../../../src/adapters/crpt/signer-config.js';

const dir = mkdtempSync(join(tmpdir(), 'ofd-crpt-signer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadCrptSigner', () => {
  it('builds an RSA/CMS signer from PEM files', async () => {
    const m = generateDevRsaKey('from-files', 1024);
    writeFileSync(join(dir, 'key.pem'), m.privateKeyPem);
    writeFileSync(join(dir, 'cert.pem'), m.certificatePem);
    const s = loadCrptSigner({ OFD_CRPT_KEY_FILE: join(dir, 'key.pem'), OFD_CRPT_CERT_FILE: join(dir, 'cert.pem') });
    const signed = await s.sign(Buffer.from('c'));
    expect(verifyRsaCms(signed.data, Buffer.from('c'))).toMatchObject({ ok: true, subject: 'from-files' });
  });

  it('builds a GOST signer from its JSON key file', async () => {
    const k = generateGostKey();
    writeFileSync(join(dir, 'gost.json'), JSON.stringify({ privateKey: k.privateKey.toString('hex'), publicKey: k.publicKey.toString('hex') }));
    const s = loadCrptSigner({ OFD_CRPT_SIGNER: 'gost2012-256', OFD_CRPT_KEY_FILE: join(dir, 'gost.json') });
    const signed = await s.sign(Buffer.from('c'));
    expect(signed.cert).toBe(k.publicKey.toString('hex'));
    expect(gostVerifyRaw(k.publicKey, Buffer.from(signed.data, 'base64'), Buffer.from('c'))).toBe(true);
  });

  it('refuses bad settings', () => {
    expect(() => loadCrptSigner({ OFD_CRPT_SIGNER: 'dsa' })).toThrow(/OFD_CRPT_SIGNER/);
    expect(() => loadCrptSigner({ OFD_CRPT_SIGNER: 'gost2012-256' })).toThrow(/OFD_CRPT_KEY_FILE/);
    expect(() => loadCrptSigner({ OFD_CRPT_KEY_FILE: join(dir, 'key.pem') })).toThrow(/go together/);
  });
});
