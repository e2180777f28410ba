/**
 * A detached CMS SignedData (RFC 5652) as the CryptoPro CAdES plug-in makes it (CAdES-BES: signed attributes with
 * contentType, messageDigest, signingTime, the signer's certificate included), read and its signature checked: the
 * digest of the document against messageDigest, the signature over the DER of the signed attributes.
 */
import { digest, digestOf, OIDS, verifySignature, type DigestName } from './algorithms.js';
import { bytes, child, children, fromDer, isUniversal, oid, tagged, time, toDer, Type, type Asn1 } from './der.js';
import { SignatureError } from './errors.js';
import { nameKey, parseCertificate, serialHex, type Certificate } from './x509.js';

const SIGNED_DATA = '1.2.840.113549.1.7.2';
const ATTR = { contentType: '1.2.840.113549.1.9.3', messageDigest: '1.2.840.113549.1.9.4', signingTime: '1.2.840.113549.1.9.5' } as const;
const SIGNATURE_ALGORITHMS = new Set<string>([OIDS.rsaEncryption, OIDS.sha256WithRSA, OIDS.gost2012_256Key, OIDS.gost2012_256Sign]);

export interface CmsSignature {
  readonly certificates: Certificate[];
  readonly signer: Certificate;
  readonly signingTime: Date | undefined;
}

interface SignerInfo {
  issuerKey?: string;
  serial?: string;
  digest: DigestName;
  signedAttrs: Asn1 | undefined;
  signatureAlgorithm: string;
  signature: Buffer;
}

function readSignerInfo(si: Asn1): SignerInfo {
  const parts = children(si, 'SignerInfo');
  const sid = parts[1];
  const byIssuer = sid && isUniversal(sid, Type.SEQUENCE);
  const signedAttrs = tagged(parts, 0);
  const rest = parts.slice(3).filter((p) => p !== signedAttrs);
  return {
    ...(byIssuer ? { issuerKey: nameKey(child(sid, 0, 'sid.issuer')), serial: serialHex(bytes(child(sid, 1, 'sid.serial'), 'sid.serial')) } : {}),
    digest: digestOf(oid(child(parts[2], 0, 'digestAlgorithm'), 'digestAlgorithm')),
    signedAttrs,
    signatureAlgorithm: oid(child(rest[0], 0, 'signatureAlgorithm'), 'signatureAlgorithm'),
    signature: bytes(rest[1], 'signature'),
  };
}

function attributes(signedAttrs: Asn1): Map<string, Asn1> {
  const out = new Map<string, Asn1>();
  for (const attr of children(signedAttrs, 'signedAttrs')) {
    const type = oid(child(attr, 0, 'attribute'), 'attribute type');
    if (out.has(type)) throw new SignatureError('CMS_MALFORMED', `attribute ${type} twice`);
    out.set(type, child(child(attr, 1, 'attribute values'), 0, 'attribute value'));
  }
  return out;
}

/** The DER the signature covers: the signed attributes with their [0] IMPLICIT tag replaced by SET OF (RFC 5652 §5.4). */
function signedAttrsDer(signedAttrs: Asn1): Buffer {
  const der = toDer(signedAttrs);
  der[0] = 0x31;
  return der;
}

function readSignedData(cms: Buffer): { certificates: Certificate[]; signerInfo: SignerInfo; detached: boolean } {
  const contentInfo = fromDer(cms);
  if (oid(child(contentInfo, 0, 'ContentInfo'), 'contentType') !== SIGNED_DATA) throw new SignatureError('CMS_MALFORMED', 'not SignedData');
  const signedData = child(child(contentInfo, 1, 'content'), 0, 'SignedData');
  const parts = children(signedData, 'SignedData');
  const encap = children(parts[2], 'encapContentInfo');
  const certsNode = tagged(parts, 0);
  const certificates = certsNode ? children(certsNode, 'certificates').filter((c) => isUniversal(c, Type.SEQUENCE)).map((c) => parseCertificate(toDer(c))) : [];
  const signerInfos = children(parts[parts.length - 1], 'signerInfos');
  if (signerInfos.length !== 1) throw new SignatureError('CMS_MALFORMED', `expected one signer, got ${signerInfos.length}`);
  return { certificates, signerInfo: readSignerInfo(signerInfos[0]!), detached: encap.length === 1 };
}

/**
 * Reads a detached CMS signature of `content` and checks the signature itself (not the certificate: see
 * verify-signed.ts). Throws SignatureError.
 */
export function verifyCmsSignature(cms: Buffer, content: Buffer): CmsSignature {
  const { certificates, signerInfo: si, detached } = readSignedData(cms);
  if (!detached) throw new SignatureError('CMS_NOT_DETACHED');
  if (!SIGNATURE_ALGORITHMS.has(si.signatureAlgorithm)) throw new SignatureError('UNSUPPORTED_ALGORITHM', `signature ${si.signatureAlgorithm}`);
  // The sid only points at the certificate; the signature check below is what binds it. Some encoders garble the
  // issuer name in the sid (node-forge encodes non-ASCII names as UTF-8 twice), so the serial alone is the fallback.
  const bySerial = si.serial !== undefined ? certificates.filter((c) => c.serial === si.serial) : certificates;
  const exact = bySerial.filter((c) => si.issuerKey === undefined || c.issuerKey === si.issuerKey);
  const candidates = exact.length > 0 ? exact : bySerial;
  if (candidates.length === 0) throw new SignatureError('SIGNER_CERT_MISSING');
  if (!si.signedAttrs) throw new SignatureError('SIGNING_TIME_MISSING', 'no signed attributes');
  const attrs = attributes(si.signedAttrs);
  const messageDigest = attrs.get(ATTR.messageDigest);
  if (!messageDigest || !attrs.has(ATTR.contentType)) throw new SignatureError('CMS_MALFORMED', 'no messageDigest or contentType attribute');
  if (!bytes(messageDigest, 'messageDigest').equals(digest(si.digest, content))) throw new SignatureError('DIGEST_MISMATCH');
  const signed = signedAttrsDer(si.signedAttrs);
  const signer = candidates.find((c) => verifySignature(c.publicKey, si.digest, signed, si.signature));
  if (!signer) throw new SignatureError('SIGNATURE_INVALID');
  const st = attrs.get(ATTR.signingTime);
  return { certificates, signer, signingTime: st ? time(st, 'signingTime') : undefined };
}
