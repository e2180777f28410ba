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
});
