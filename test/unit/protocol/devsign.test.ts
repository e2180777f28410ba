import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeFpd, computeFpo, computeFpp, computeFps, deriveFnKey, verifyDocumentSigns } from '../../../protocol/devsign.js';
import { fixtureJson } from '../../support/fixtures.js';

interface Vectors {
  masterKey: string;
  fiscalDriveNumber: string;
  kFn: string;
  document: string;
  fpd: string;
  fps: string;
  ackWithoutFpo: string;
  ack: string;
  fpo: string;
  fpp: string;
}

// Expected values from scripts/oracles/devsign_vectors.py: an independent Python implementation of §7.
const v = fixtureJson<Vectors>('devsign/vectors.json');
const hex = (s: string) => Buffer.from(s, 'hex');

describe('devsign profile (§7) against the Python oracle', () => {
  const k = deriveFnKey(v.masterKey, v.fiscalDriveNumber);

  it('derives K_fn from the master key and the FN number, ignoring padding', () => {
    expect(k.toString('hex')).toBe(v.kFn);
    expect(deriveFnKey(v.masterKey, `${v.fiscalDriveNumber}  `).toString('hex')).toBe(v.kFn);
  });

  it('computes ФПД over the document children without 1077, and ФПС over the whole document', () => {
    expect(computeFpd(k, hex(v.document)).toString('hex')).toBe(v.fpd);
    expect(computeFps(k, hex(v.document)).toString('hex')).toBe(v.fps);
  });

  it('computes ФПО over the ack children without 1078 (present or not), and ФПП over the whole ack', () => {
    expect(computeFpo(k, hex(v.ackWithoutFpo)).toString('hex')).toBe(v.fpo);
    expect(computeFpo(k, hex(v.ack)).toString('hex')).toBe(v.fpo);
    expect(computeFpp(k, hex(v.ack)).toString('hex')).toBe(v.fpp);
  });

  it('verifies a document whose 1077 and trailer carry the oracle signs, and rejects tampering', () => {
    // The vector document carries a foreign 1077 (from the synthetic capture): its ФПД must not verify.
    const doc = hex(v.document);
    expect(verifyDocumentSigns(k, doc, hex(v.fps))).toEqual({ fiscalSignValid: false, messageSignValid: true });
    // Put the oracle ФПД into the 1077 value in place (same length), then both verify.
    const at = doc.indexOf(Buffer.from('35040600', 'hex')); // tag 1077 (0x0435) LE, length 6
    const signed = Buffer.from(doc);
    hex(v.fpd).copy(signed, at + 4);
    const fps = computeFps(k, signed);
    expect(verifyDocumentSigns(k, signed, fps)).toEqual({ fiscalSignValid: true, messageSignValid: true });
    const tampered = Buffer.from(signed);
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    expect(verifyDocumentSigns(k, tampered, fps)).toEqual({ fiscalSignValid: false, messageSignValid: false });
    expect(verifyDocumentSigns(deriveFnKey('other-key', v.fiscalDriveNumber), signed, fps).messageSignValid).toBe(false);
  });

  it('ФПД of any child list: the HMAC of the children but every 1077, wherever they are; the first 1077 is the one checked', () => {
    const child = fc.record({ tag: fc.oneof(fc.constant(1077), fc.integer({ min: 1, max: 0xffff })), value: fc.uint8Array({ maxLength: 30 }) });
    fc.assert(
      fc.property(fc.array(child, { maxLength: 12 }), (children) => {
        const wire = children.map((c) => {
          const b = Buffer.alloc(4 + c.value.length);
          b.writeUInt16LE(c.tag, 0);
          b.writeUInt16LE(c.value.length, 2);
          b.set(c.value, 4);
          return b;
        });
        const body = Buffer.concat(wire);
        const doc = Buffer.concat([Buffer.from([3, 0, body.length & 0xff, body.length >> 8]), body]);
        const hashed = Buffer.concat(wire.filter((_, i) => children[i]!.tag !== 1077));
        const expected = Buffer.concat([Buffer.from([0x21, 0x04]), createHmac('sha256', k).update('FPD').update(hashed).digest().subarray(0, 4)]);
        expect(computeFpd(k, doc).toString('hex')).toBe(expected.toString('hex'));
        const first = children.find((c) => c.tag === 1077);
        const check = verifyDocumentSigns(k, doc, computeFps(k, doc));
        expect(check).toEqual({ fiscalSignValid: first !== undefined && Buffer.from(first.value).equals(expected), messageSignValid: true });
        if (first !== undefined && children.length > 0) {
          // With the expected sign in the first 1077 (made 6 bytes long), it verifies.
          const signed = children.map((c) => (c === first ? { tag: 1077, value: expected } : c));
          const signedWire = Buffer.concat(signed.map((c) => Buffer.concat([Buffer.from([c.tag & 0xff, c.tag >> 8, c.value.length, 0]), Buffer.from(c.value)])));
          const signedDoc = Buffer.concat([Buffer.from([3, 0, signedWire.length & 0xff, signedWire.length >> 8]), signedWire]);
          expect(verifyDocumentSigns(k, signedDoc, computeFps(k, signedDoc)).fiscalSignValid).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a document whose children run past its end, as the TLV reader does', () => {
    const doc = Buffer.from('03000800' + 'e8030500' + '3132', 'hex'); // tag 1000 announces 5 bytes, 2 remain
    expect(() => verifyDocumentSigns(k, doc, Buffer.alloc(8))).toThrow(expect.objectContaining({ code: 'TLV_TRUNCATED' }));
    expect(() => computeFpd(k, Buffer.from('0300030001', 'hex'))).toThrow(expect.objectContaining({ code: 'TLV_TRUNCATED' }));
  });
});
