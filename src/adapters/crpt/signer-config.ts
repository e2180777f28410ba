/**
 * Which signer answers CRPT's auth challenge, from the environment (read by the caller once at start):
 *
 *   OFD_CRPT_SIGNER      rsa-cms (default) | gost2012-256
 *   OFD_CRPT_KEY_FILE    rsa-cms: PEM private key; gost2012-256: a JSON file { "privateKey": hex 32 bytes LE,
 *                        "publicKey": hex 64 bytes x‖y LE } (the format generateGostKey() produces)
 *   OFD_CRPT_CERT_FILE   rsa-cms: PEM certificate
 *
 * rsa-cms without files: a throw-away key and self-signed certificate (development only; fake-crpt accepts any
 * certificate). gost2012-256 always needs its key file.
 */
import { readFileSync } from 'node:fs';
import { createGostSigner, createRsaCmsSigner, generateDevRsaKey, type Signer } from './signer.js';

export class CrptSignerConfigError extends Error {
  override readonly name = 'CrptSignerConfigError';
  readonly code = 'CONFIG_INVALID';
}

export function loadCrptSigner(env: Readonly<Record<string, string | undefined>> = process.env): Signer {
  const kind = env['OFD_CRPT_SIGNER'] ?? 'rsa-cms';
  const keyFile = env['OFD_CRPT_KEY_FILE'];
  const certFile = env['OFD_CRPT_CERT_FILE'];
  if (kind === 'rsa-cms') {
    if (!keyFile && !certFile) return createRsaCmsSigner(generateDevRsaKey());
    if (!keyFile || !certFile) throw new CrptSignerConfigError('OFD_CRPT_KEY_FILE and OFD_CRPT_CERT_FILE go together');
    return createRsaCmsSigner({ privateKeyPem: readFileSync(keyFile, 'utf8'), certificatePem: readFileSync(certFile, 'utf8') });
  }
  if (kind === 'gost2012-256') {
    if (!keyFile) throw new CrptSignerConfigError('OFD_CRPT_SIGNER=gost2012-256 needs OFD_CRPT_KEY_FILE');
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(keyFile, 'utf8')) as unknown;
    } catch (e) {
      throw new CrptSignerConfigError(`OFD_CRPT_KEY_FILE: ${(e as Error).message}`);
    }
    const o = (parsed ?? {}) as { privateKey?: unknown; publicKey?: unknown };
    if (typeof o.privateKey !== 'string' || !/^[0-9a-f]{64}$/i.test(o.privateKey) || typeof o.publicKey !== 'string' || !/^[0-9a-f]{128}$/i.test(o.publicKey)) {
      throw new CrptSignerConfigError('OFD_CRPT_KEY_FILE must hold {"privateKey": 64 hex digits, "publicKey": 128 hex digits}');
    }
    return createGostSigner({ privateKey: Buffer.from(o.privateKey, 'hex'), publicKey: Buffer.from(o.publicKey, 'hex') });
  }
  throw new CrptSignerConfigError(`OFD_CRPT_SIGNER must be rsa-cms or gost2012-256, got ${JSON.stringify(kind)}`);
}
