/**
 * Reading DER with node-forge's generic ASN.1 parser (forge.pki cannot read GOST certificates, its asn1 module reads
 * anything): small accessors that throw CMS_MALFORMED on a shape they do not expect.
 */
import forge from 'node-forge';
import { SignatureError } from './errors.js';

export type Asn1 = forge.asn1.Asn1;
const { Class, Type } = forge.asn1;

export function fromDer(der: Buffer): Asn1 {
  try {
    // strict: lengths checked; parseAllBytes refuses garbage after the structure; bit strings (keys, signatures) are
    // kept as bytes, never guessed to be nested ASN.1 (the typings only know the older boolean argument).
    const parse = forge.asn1.fromDer as unknown as (b: forge.util.ByteBuffer, o: { strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean }) => Asn1;
    return parse(forge.util.createBuffer(der.toString('binary')), { strict: true, parseAllBytes: true, decodeBitStrings: false });
  } catch (e) {
    throw new SignatureError('CMS_MALFORMED', (e as Error).message);
  }
}

export const toDer = (node: Asn1): Buffer => Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');

export function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new SignatureError('CMS_MALFORMED', `${what}: expected a constructed value`);
  return node.value;
}

export function child(node: Asn1 | undefined, index: number, what: string): Asn1 {
  const c = children(node, what)[index];
  if (!c) throw new SignatureError('CMS_MALFORMED', `${what}: missing element ${index}`);
  return c;
}

export function bytes(node: Asn1 | undefined, what: string): Buffer {
  if (!node || typeof node.value !== 'string') throw new SignatureError('CMS_MALFORMED', `${what}: expected a primitive value`);
  return Buffer.from(node.value, 'binary');
}

export function oid(node: Asn1 | undefined, what: string): string {
  if (!node || node.type !== Type.OID || node.tagClass !== Class.UNIVERSAL) throw new SignatureError('CMS_MALFORMED', `${what}: expected an OID`);
  return forge.asn1.derToOid(forge.util.createBuffer(node.value as string));
}

/** BIT STRING contents without the unused-bits byte (always 0 for keys and signatures). */
export function bitString(node: Asn1 | undefined, what: string): Buffer {
  if (!node || node.type !== Type.BITSTRING) throw new SignatureError('CMS_MALFORMED', `${what}: expected a BIT STRING`);
  const b = bytes(node, what);
  if (b[0] !== 0) throw new SignatureError('CMS_MALFORMED', `${what}: unused bits in a key or signature`);
  return b.subarray(1);
}

/** UTCTime or GeneralizedTime. */
export function time(node: Asn1 | undefined, what: string): Date {
  if (!node || typeof node.value !== 'string') throw new SignatureError('CMS_MALFORMED', `${what}: expected a time`);
  if (node.type === Type.UTCTIME) return forge.asn1.utcTimeToDate(node.value);
  if (node.type === Type.GENERALIZEDTIME) return forge.asn1.generalizedTimeToDate(node.value);
  throw new SignatureError('CMS_MALFORMED', `${what}: expected UTCTime or GeneralizedTime`);
}

/** A context-specific tagged element [n] among `nodes`. */
export const tagged = (nodes: Asn1[], n: number): Asn1 | undefined => nodes.find((c) => c.tagClass === Class.CONTEXT_SPECIFIC && c.type === n);

export const isUniversal = (node: Asn1 | undefined, type: number): boolean => node?.tagClass === Class.UNIVERSAL && node.type === type;

export { Class, Type };
