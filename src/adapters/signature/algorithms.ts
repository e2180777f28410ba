/**
 * The algorithms a qualified signature comes with: GOST R 34.10-2012 256-bit with Streebog-256 (what Russian accredited
 * CAs issue; via node-gost-crypto, the project's GOST code) and RSA PKCS#1 v1.5 with SHA-256 (foreign and test
 * certificates; via node-forge). Keys are read from SubjectPublicKeyInfo; 512-bit GOST keys are not supported yet.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import forge from 'node-forge';
import type { GostSign } from 'node-gost-crypto';
import { bitString, bytes, child, children, fromDer, oid, toDer, type Asn1 } from './der.js';
import { SignatureError } from './errors.js';

export const OIDS = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha256: '2.16.840.1.101.3.4.2.1',
  gost2012_256Key: '1.2.643.7.1.1.1.1',
  gost2012_256Sign: '1.2.643.7.1.1.3.2',
  streebog256: '1.2.643.7.1.1.2.2',
} as const;

export type DigestName = 'sha256' | 'streebog256';

/** GOST R 34.10-2012 256-bit parameter sets (SPKI parameters) → node-gost-crypto's curve names. */
const GOST_CURVES: Record<string, string> = {
  '1.2.643.2.2.35.1': 'S-256-A',
  '1.2.643.2.2.35.2': 'S-256-B',
  '1.2.643.2.2.35.3': 'S-256-C',
  '1.2.643.2.2.36.0': 'X-256-A',
  '1.2.643.2.2.36.1': 'X-256-B',
  '1.2.643.7.1.2.1.1.1': 'T-256-A',
  '1.2.643.7.1.2.1.1.2': 'T-256-B',
  '1.2.643.7.1.2.1.1.3': 'T-256-C',
};

export type PublicKey = { kind: 'rsa'; key: forge.pki.rsa.PublicKey } | { kind: 'gost256'; curve: string; point: Buffer };

const require = createRequire(import.meta.url);
let gost: typeof import('node-gost-crypto') | undefined;
const gostModule = () => (gost ??= require('node-gost-crypto') as typeof import('node-gost-crypto'));
const gostSigners = new Map<string, GostSign>();
function gostSign(curve: string): GostSign {
  let s = gostSigners.get(curve);
  if (!s) {
    s = gostModule().gostEngine.getGostSign({ name: 'GOST R 34.10', version: 2012, length: 256, namedCurve: curve, hash: { name: 'GOST R 34.11', version: 2012, length: 256 } });
    gostSigners.set(curve, s);
  }
  return s;
}

export function digest(name: DigestName, data: Buffer): Buffer {
  if (name === 'sha256') return createHash('sha256').update(data).digest();
  return Buffer.from(gostModule().gostEngine.getGostDigest({ name: 'GOST R 34.11', version: 2012, length: 256 }).digest(data));
}

export function digestOf(digestOid: string): DigestName {
  if (digestOid === OIDS.sha256) return 'sha256';
  if (digestOid === OIDS.streebog256) return 'streebog256';
  throw new SignatureError('UNSUPPORTED_ALGORITHM', `digest ${digestOid}`);
}

/** SubjectPublicKeyInfo → a key we can verify with. */
export function readPublicKey(spki: Asn1): PublicKey {
  const algorithm = child(spki, 0, 'subjectPublicKeyInfo.algorithm');
  const algOid = oid(child(algorithm, 0, 'algorithm'), 'algorithm');
  const keyBits = bitString(child(spki, 1, 'subjectPublicKey'), 'subjectPublicKey');
  if (algOid === OIDS.rsaEncryption) {
    // forge reads the RSAPublicKey inside the BIT STRING (it refuses an SPKI parsed without decoding bit strings).
    return { kind: 'rsa', key: forge.pki.publicKeyFromAsn1(fromDer(keyBits)) as forge.pki.rsa.PublicKey };
  }
  if (algOid === OIDS.gost2012_256Key) {
    const params = children(child(algorithm, 1, 'GOST key parameters'), 'GOST key parameters');
    const curve = GOST_CURVES[oid(params[0], 'GOST paramset')];
    if (!curve) throw new SignatureError('UNSUPPORTED_ALGORITHM', 'GOST parameter set');
    // The BIT STRING holds an OCTET STRING of x‖y, each little-endian (RFC 4491 §2.3.2): node-gost-crypto's order.
    const point = bytes(fromDer(keyBits), 'GOST public key');
    if (point.length !== 64) throw new SignatureError('UNSUPPORTED_ALGORITHM', 'GOST key length');
    return { kind: 'gost256', curve, point };
  }
  throw new SignatureError('UNSUPPORTED_ALGORITHM', `key ${algOid}`);
}

/**
 * Verifies `signature` over `data` with `digestName`. RSA: PKCS#1 v1.5 over the digest (DigestInfo checked by forge).
 * GOST: the signature is s‖r big-endian as in X.509 and CMS (RFC 4491 / RFC 9215), node-gost-crypto wants the reverse;
 * it hashes the data itself with Streebog-256.
 */
export function verifySignature(key: PublicKey, digestName: DigestName, data: Buffer, signature: Buffer): boolean {
  if (key.kind === 'rsa') {
    if (digestName !== 'sha256') throw new SignatureError('UNSUPPORTED_ALGORITHM', 'RSA only with SHA-256');
    try {
      return key.key.verify(digest('sha256', data).toString('binary'), signature.toString('binary'));
    } catch {
      return false;
    }
  }
  if (digestName !== 'streebog256') throw new SignatureError('UNSUPPORTED_ALGORITHM', 'GOST R 34.10-2012 only with Streebog-256');
  try {
    return gostSign(key.curve).verify(key.point, Buffer.from(signature).reverse(), data);
  } catch {
    return false;
  }
}

/** The digest a signature algorithm OID (of a certificate or a CRL) uses, with the key kind it needs. */
export function signatureAlgorithm(algOid: string): { digest: DigestName; key: PublicKey['kind'] } {
  if (algOid === OIDS.sha256WithRSA) return { digest: 'sha256', key: 'rsa' };
  if (algOid === OIDS.gost2012_256Sign) return { digest: 'streebog256', key: 'gost256' };
  throw new SignatureError('UNSUPPORTED_ALGORITHM', `signature ${algOid}`);
}

export { toDer };
