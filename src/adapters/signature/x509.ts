/**
 * Certificates and CRLs, RSA and GOST alike, read from DER with the generic ASN.1 parser: only what the checks need.
 */
import { readPublicKey, signatureAlgorithm, verifySignature, type PublicKey } from './algorithms.js';
import { bitString, bytes, child, children, fromDer, isUniversal, oid, tagged, time, toDer, Type, type Asn1 } from './der.js';
import { SignatureError } from './errors.js';

/** Subject attributes by OID; Russian qualified certificates carry these (Приказ ФСБ № 795, 27.12.2011). */
export const SUBJECT_OIDS = {
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  surname: '2.5.4.4',
  givenName: '2.5.4.42',
  /** ИНН of an individual (12 digits), or before 2021 of an organization padded with «00». */
  inn: '1.2.643.3.131.1.1',
  /** ИНН ЮЛ, 10 digits (since 2021). */
  innLe: '1.2.643.100.4',
  ogrn: '1.2.643.100.1',
  ogrnip: '1.2.643.100.5',
  snils: '1.2.643.100.3',
} as const;

export interface Certificate {
  readonly der: Buffer;
  readonly tbs: Buffer;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
  /** Serial number as lowercase hex without leading zero bytes. */
  readonly serial: string;
  /** Names compared by content (type and value of each attribute in order), not by bytes: encoders differ in string types. */
  readonly issuerKey: string;
  readonly subjectKey: string;
  readonly subject: ReadonlyMap<string, string>;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: PublicKey;
  /** basicConstraints cA (false when absent). */
  readonly isCa: boolean;
}

export const serialHex = (b: Buffer): string => b.toString('hex').replace(/^(00)+(?=.)/, '') || '0';

function nameAttributes(name: Asn1): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const rdn of children(name, 'Name')) {
    for (const atv of children(rdn, 'RelativeDistinguishedName')) {
      const type = oid(child(atv, 0, 'AttributeTypeAndValue'), 'attribute type');
      const value = child(atv, 1, 'attribute value');
      if (typeof value.value === 'string') out.push([type, value.type === Type.BMPSTRING ? decodeBmp(value.value) : Buffer.from(value.value, 'binary').toString('utf8')]);
    }
  }
  return out;
}

/** A Name's comparison key (RFC 5280 §7.1 simplified: exact values, attribute order kept). */
export const nameKey = (name: Asn1): string => JSON.stringify(nameAttributes(name));

const decodeBmp = (s: string): string => Buffer.from(s, 'binary').swap16().toString('utf16le');

const BASIC_CONSTRAINTS = '2.5.29.19';

function readIsCa(extensions: Asn1 | undefined): boolean {
  if (!extensions) return false;
  for (const ext of children(child(extensions, 0, 'extensions'), 'extensions')) {
    const parts = children(ext, 'extension');
    if (oid(parts[0], 'extension id') !== BASIC_CONSTRAINTS) continue;
    const bc = fromDer(bytes(parts[parts.length - 1], 'basicConstraints'));
    const first = children(bc, 'basicConstraints')[0];
    return isUniversal(first, Type.BOOLEAN) && bytes(first, 'cA')[0] !== 0;
  }
  return false;
}

export function parseCertificate(der: Buffer): Certificate {
  const root = fromDer(der);
  const tbsNode = child(root, 0, 'tbsCertificate');
  const tbs = children(tbsNode, 'tbsCertificate');
  // version [0] is optional (v1 certificates have none)
  const at = tagged(tbs, 0) ? 1 : 0;
  const validity = children(tbs[at + 3], 'validity');
  return {
    der,
    tbs: toDer(tbsNode),
    signatureAlgorithm: oid(child(child(root, 1, 'signatureAlgorithm'), 0, 'algorithm'), 'signatureAlgorithm'),
    signature: bitString(child(root, 2, 'signatureValue'), 'signatureValue'),
    serial: serialHex(bytes(tbs[at], 'serialNumber')),
    issuerKey: nameKey(child(tbsNode, at + 2, 'issuer')),
    subjectKey: nameKey(child(tbsNode, at + 4, 'subject')),
    subject: new Map(nameAttributes(child(tbsNode, at + 4, 'subject'))),
    notBefore: time(validity[0], 'notBefore'),
    notAfter: time(validity[1], 'notAfter'),
    publicKey: readPublicKey(child(tbsNode, at + 5, 'subjectPublicKeyInfo')),
    isCa: readIsCa(tagged(tbs, 3)),
  };
}

export interface Crl {
  readonly tbs: Buffer;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
  readonly issuerKey: string;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** serial hex → revocation date */
  readonly revoked: ReadonlyMap<string, Date>;
}

export function parseCrl(der: Buffer): Crl {
  const root = fromDer(der);
  const tbsNode = child(root, 0, 'tbsCertList');
  const tbs = children(tbsNode, 'tbsCertList');
  const at = isUniversal(tbs[0], Type.INTEGER) ? 1 : 0; // version is optional (v1 CRLs)
  let i = at + 3;
  const next = tbs[i] && (isUniversal(tbs[i], Type.UTCTIME) || isUniversal(tbs[i], Type.GENERALIZEDTIME)) ? time(tbs[i++], 'nextUpdate') : undefined;
  const revoked = new Map<string, Date>();
  const list = tbs[i];
  if (list && isUniversal(list, Type.SEQUENCE)) {
    for (const entry of children(list, 'revokedCertificates')) {
      revoked.set(serialHex(bytes(child(entry, 0, 'userCertificate'), 'userCertificate')), time(child(entry, 1, 'revocationDate'), 'revocationDate'));
    }
  }
  return {
    tbs: toDer(tbsNode),
    signatureAlgorithm: oid(child(child(root, 1, 'signatureAlgorithm'), 0, 'algorithm'), 'signatureAlgorithm'),
    signature: bitString(child(root, 2, 'signatureValue'), 'signatureValue'),
    issuerKey: nameKey(child(tbsNode, at + 1, 'issuer')),
    thisUpdate: time(child(tbsNode, at + 2, 'thisUpdate'), 'thisUpdate'),
    nextUpdate: next,
    revoked,
  };
}

/** Whether `signed` (a certificate or a CRL) carries a valid signature by `issuer`'s key. */
export function isSignedBy(signed: { tbs: Buffer; signatureAlgorithm: string; signature: Buffer }, issuer: Certificate): boolean {
  let alg: ReturnType<typeof signatureAlgorithm>;
  try {
    alg = signatureAlgorithm(signed.signatureAlgorithm);
  } catch {
    return false;
  }
  if (alg.key !== issuer.publicKey.kind) return false;
  return verifySignature(issuer.publicKey, alg.digest, signed.tbs, signed.signature);
}

/** PEM (one or many blocks) or DER → DER blocks. */
export function derBlocks(data: Buffer | string, label: 'CERTIFICATE' | 'X509 CRL'): Buffer[] {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  if (!text.includes('-----BEGIN')) {
    if (typeof data === 'string') throw new SignatureError('CMS_MALFORMED', `expected PEM ${label}`);
    return [data];
  }
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  return [...text.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}
