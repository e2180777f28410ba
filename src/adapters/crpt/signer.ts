/**
 * The signer port: what the CRPT client needs to answer the auth challenge. Two adapters:
 *
 * - `rsa-cms` (development): node-forge PKCS#7/CMS SignedData, RSA PKCS#1 v1.5 over SHA-256 of the challenge, the
 *   challenge attached as the content, the signer's certificate included. No authenticated attributes, so the signature
 *   is over the content digest itself (what verifyRsaCms checks).
 * - `gost2012-256` (production profiles): GOST R 34.10-2012 with 256-bit keys, curve paramset A (id-GostR3410-2001-
 *   CryptoPro-A = S-256-A), Streebog-256 digest, via node-gost-crypto. Raw 64-byte signature in OpenSSL's byte order; the "certificate" sent is
 *   the hex public key (a production deployment would send its qualified certificate; node-forge cannot read GOST ones).
 */
import { createRequire } from 'node:module';
import forge from 'node-forge';
import type { GostSign } from 'node-gost-crypto';
import type { CrptSignAlgorithm } from './crpt-api.js';

export interface SignedChallenge {
  readonly alg: CrptSignAlgorithm;
  /** base64 */
  readonly data: string;
  /** Certificate or public key material the verifier needs, when not inside `data`. */
  readonly cert?: string;
}

export interface Signer {
  readonly algorithm: CrptSignAlgorithm;
  sign(challenge: Buffer): Promise<SignedChallenge>;
}

// ---- RSA / CMS (node-forge) ------------------------------------------------------------------------------------------

export interface RsaKeyMaterial {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
}

/** SubjectPublicKeyInfo prefix of a GOST R 34.10-2012 256-bit key, paramset CryptoPro-A, Streebog-256 (as OpenSSL writes it). */
const GOST_SPKI_PREFIX = Buffer.from('3066301f06082a85030701010101301306072a85030202230106082a850307010102020343000440', 'hex');

/** The public key (64 bytes, x‖y LE) as a PEM SubjectPublicKeyInfo that OpenSSL's gost engine reads. */
export function gostPublicKeyPem(publicKey: Buffer): string {
  const der = Buffer.concat([GOST_SPKI_PREFIX, publicKey]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PUBLIC KEY-----\n`;
}

/** The 64 key bytes of a GOST SubjectPublicKeyInfo (DER), or undefined when it is not one with our parameters. */
export function gostPublicKeyFromDer(der: Buffer): Buffer | undefined {
  return der.length === GOST_SPKI_PREFIX.length + 64 && der.subarray(0, GOST_SPKI_PREFIX.length).equals(GOST_SPKI_PREFIX) ? der.subarray(GOST_SPKI_PREFIX.length) : undefined;
}

/** A fresh RSA key and a self-signed certificate (development only). */
export function generateDevRsaKey(commonName = 'ofd-dev-crpt', bits = 2048): RsaKeyMaterial {
  const keys = forge.pki.rsa.generateKeyPair(bits);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600_000);
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { privateKeyPem: forge.pki.privateKeyToPem(keys.privateKey), certificatePem: forge.pki.certificateToPem(cert) };
}

export function createRsaCmsSigner(material: RsaKeyMaterial): Signer {
  const key = forge.pki.privateKeyFromPem(material.privateKeyPem);
  const cert = forge.pki.certificateFromPem(material.certificatePem);
  return {
    algorithm: 'rsa-cms',
    sign(challenge) {
      const p7 = forge.pkcs7.createSignedData();
      p7.content = forge.util.createBuffer(challenge.toString('binary'));
      p7.addCertificate(cert);
      p7.addSigner({ key, certificate: cert, digestAlgorithm: forge.pki.oids['sha256']!, authenticatedAttributes: [] });
      p7.sign();
      const der = forge.asn1.toDer(p7.toAsn1()).getBytes();
      return Promise.resolve({ alg: 'rsa-cms', data: Buffer.from(der, 'binary').toString('base64') });
    },
  };
}

export interface CmsVerification {
  readonly ok: boolean;
  /** The signer certificate's subject CN, when the message could be read. */
  readonly subject?: string;
  readonly reason?: string;
}

/** Verifies an `rsa-cms` signed challenge against the challenge the verifier issued. */
export function verifyRsaCms(signedBase64: string, challenge: Buffer): CmsVerification {
  try {
    const der = Buffer.from(signedBase64, 'base64').toString('binary');
    const msg = forge.pkcs7.messageFromAsn1(forge.asn1.fromDer(der)) as forge.pkcs7.PkcsSignedData & {
      rawCapture?: { signature?: unknown };
    };
    const cert = msg.certificates[0];
    const signature = msg.rawCapture?.signature;
    if (!cert || typeof signature !== 'string') return { ok: false, reason: 'no certificate or signature in the CMS message' };
    const subject = cert.subject.getField('CN') as { value?: unknown } | null;
    const cn = typeof subject?.value === 'string' ? subject.value : undefined;
    const md = forge.md.sha256.create();
    md.update(challenge.toString('binary'));
    const publicKey = cert.publicKey as forge.pki.rsa.PublicKey;
    const ok = publicKey.verify(md.digest().bytes(), signature);
    return { ok, ...(cn ? { subject: cn } : {}), ...(ok ? {} : { reason: 'signature does not match the challenge' }) };
  } catch (e) {
    return { ok: false, reason: `unreadable CMS message: ${(e as Error).message}` };
  }
}

// ---- GOST R 34.10-2012 (node-gost-crypto) ----------------------------------------------------------------------------

const require = createRequire(import.meta.url);
let gostModule: typeof import('node-gost-crypto') | undefined;
function gostSign(): GostSign {
  gostModule ??= require('node-gost-crypto') as typeof import('node-gost-crypto');
  return gostModule.gostEngine.getGostSign({
    name: 'GOST R 34.10',
    version: 2012,
    length: 256,
    namedCurve: 'S-256-A',
    hash: { name: 'GOST R 34.11', version: 2012, length: 256 },
  });
}

export interface GostKeyMaterial {
  /** 32 bytes, little-endian (node-gost-crypto's order). */
  readonly privateKey: Buffer;
  /** 64 bytes, x‖y, each little-endian. */
  readonly publicKey: Buffer;
}

export function generateGostKey(): GostKeyMaterial {
  const kp = gostSign().generateKey();
  return { privateKey: Buffer.from(kp.privateKey), publicKey: Buffer.from(kp.publicKey) };
}

/**
 * Raw signature of `data` (64 bytes) in the byte order of OpenSSL's gost engine and of CMS (s‖r, big-endian): the
 * reverse of node-gost-crypto's own order (checked against the engine in test/integration/crpt/gost-openssl.test.ts).
 */
export function gostSignRaw(privateKey: Buffer, data: Buffer): Buffer {
  return Buffer.from(gostSign().sign(privateKey, data)).reverse();
}

/** Verifies a signature in OpenSSL's order (see gostSignRaw). */
export function gostVerifyRaw(publicKey: Buffer, signature: Buffer, data: Buffer): boolean {
  try {
    return gostSign().verify(publicKey, Buffer.from(signature).reverse(), data);
  } catch {
    return false;
  }
}

export function createGostSigner(material: GostKeyMaterial): Signer {
  return {
    algorithm: 'gost2012-256',
    sign(challenge) {
      return Promise.resolve({ alg: 'gost2012-256', data: gostSignRaw(material.privateKey, challenge).toString('base64'), cert: material.publicKey.toString('hex') });
    },
  };
}
