// GOST R 34.10-2012 interop: signatures made by our signer (node-gost-crypto) are verified by an independent
// implementation — OpenSSL's gost engine (Debian: `apt-get install -y libengine-gost-openssl`) through the `openssl`
// CLI — and OpenSSL's signatures are verified by ours. Skipped, with the reason, when the engine is not installed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGostSigner, generateGostKey, gostPublicKeyFromDer, gostPublicKeyPem, gostVerifyRaw } from '../../../src/adapters/crpt/signer.js';

function engineMissing(): string | undefined {
  try {
    execFileSync('openssl', ['engine', 'gost', '-c'], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `OpenSSL gost engine not available (apt-get install -y libengine-gost-openssl): ${(e as Error).message.split('\n')[0] ?? ''}`;
  }
}

const missing = engineMissing();
if (missing) console.warn(`skipping GOST interop tests: ${missing}`);
const dir = mkdtempSync(join(tmpdir(), 'ofd-gost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

describe.skipIf(missing !== undefined)('GOST R 34.10-2012 against OpenSSL gost engine', () => {
  it('OpenSSL verifies a challenge signed by the gost2012-256 signer', async () => {
    const key = generateGostKey();
    const challenge = Buffer.from('crpt-challenge-7f3a9c');
    const signed = await createGostSigner(key).sign(challenge);
    writeFileSync(join(dir, 'pub.pem'), gostPublicKeyPem(key.publicKey));
    writeFileSync(join(dir, 'data'), challenge);
    writeFileSync(join(dir, 'sig'), Buffer.from(signed.data, 'base64'));
    const out = openssl(['dgst', '-engine', 'gost', '-md_gost12_256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig'), join(dir, 'data')]);
    expect(out).toContain('Verified OK');
    // And a signature over other data is refused by OpenSSL.
    writeFileSync(join(dir, 'other'), 'something else');
    expect(() => openssl(['dgst', '-engine', 'gost', '-md_gost12_256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig'), join(dir, 'other')])).toThrow();
  });

  it('our verifier accepts what OpenSSL signs with its own key', () => {
    openssl(['genpkey', '-engine', 'gost', '-algorithm', 'gost2012_256', '-pkeyopt', 'paramset:A', '-out', join(dir, 'key.pem')]);
    openssl(['pkey', '-engine', 'gost', '-in', join(dir, 'key.pem'), '-pubout', '-outform', 'DER', '-out', join(dir, 'pub.der')]);
    writeFileSync(join(dir, 'data2'), 'challenge from openssl');
    openssl(['dgst', '-engine', 'gost', '-md_gost12_256', '-sign', join(dir, 'key.pem'), '-out', join(dir, 'sig2'), join(dir, 'data2')]);
    const pub = gostPublicKeyFromDer(readFileSync(join(dir, 'pub.der')));
    expect(pub).toBeDefined();
    const sig = readFileSync(join(dir, 'sig2'));
    expect(gostVerifyRaw(pub!, sig, Buffer.from('challenge from openssl'))).toBe(true);
    expect(gostVerifyRaw(pub!, sig, Buffer.from('challenge from someone else'))).toBe(false);
  });
});
