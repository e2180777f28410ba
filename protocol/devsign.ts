/**
 * The development signing profile `devsign` (§7): this project's own definition, NOT a legal fiscal signature. It
 * stands in for the certified crypto box wherever none is attached (emulator, tests, demos). All MACs are
 * HMAC-SHA256 truncated to their first bytes. Pure functions of a key: no I/O, no clock.
 *
 *   K_fn = HMAC(masterKey, ASCII FN number)                       (FN number with padding removed)
 *   ФПД  = 21 04 || HMAC(K_fn, "FPD" || children(document) − 1077)[0..4)
 *   ФПС  = 81 06 || HMAC(K_fn, "FPS" || document TLV)[0..6)         then 00 00
 *   ФПО  = 88 06 || HMAC(K_fn, "FPO" || children(ack) − 1078)[0..6)
 *   ФПП  = 82 06 || HMAC(K_fn, "FPP" || ack TLV)[0..6)              then 00 00
 *   ack service data 2a = 8 zero bytes
 */
import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';
import { TLV_HEADER_LENGTH, readTlvs, type RawTlv } from './tlv.js';

export const DEFAULT_DEVSIGN_MASTER_KEY = 'ofd-dev-master-key';
export const TAG_FISCAL_SIGN = 1077; // ФПД
export const TAG_OPERATOR_SIGN = 1078; // ФПО

export const FPD_PREFIX = Buffer.from([0x21, 0x04]);
export const FPS_PREFIX = Buffer.from([0x81, 0x06]);
export const FPO_PREFIX = Buffer.from([0x88, 0x06]);
export const FPP_PREFIX = Buffer.from([0x82, 0x06]);
export const DEVSIGN_SERVICE_DATA_2A = Buffer.alloc(8);

const LABEL_FPD = Buffer.from('FPD', 'ascii');
const LABEL_FPS = Buffer.from('FPS', 'ascii');
const LABEL_FPO = Buffer.from('FPO', 'ascii');
const LABEL_FPP = Buffer.from('FPP', 'ascii');

export function deriveFnKey(masterKey: string | Buffer, fiscalDriveNumber: string): Buffer {
  return createHmac('sha256', masterKey).update(Buffer.from(fiscalDriveNumber.trim(), 'ascii')).digest();
}

/**
 * HMAC over a label and the wire bytes of a TLV's direct children, in wire order, skipping one tag.
 * Children lie back to back, so the bytes hashed are at most a few contiguous runs (before and after the skipped tag):
 * one update() per run instead of one per child — each update crosses into C++, and a receipt has 20–40 children.
 */
function macChildren(key: Buffer, label: Buffer, tlv: Buffer, skipTag: number, children: readonly RawTlv[] = readTlvs(tlv, TLV_HEADER_LENGTH)): Buffer {
  const h: Hmac = createHmac('sha256', key).update(label);
  let runStart = -1;
  let runEnd = -1;
  for (const child of children) {
    const end = child.offset + TLV_HEADER_LENGTH + child.value.length;
    if (child.tag === skipTag) continue;
    if (child.offset !== runEnd) {
      if (runStart >= 0) h.update(tlv.subarray(runStart, runEnd));
      runStart = child.offset;
    }
    runEnd = end;
  }
  if (runStart >= 0) h.update(tlv.subarray(runStart, runEnd));
  return h.digest();
}

function withPrefix(prefix: Buffer, mac: Buffer, n: number): Buffer {
  return Buffer.concat([prefix, mac.subarray(0, n)]);
}

/** ФПД (the 1077 value, 6 bytes) of a document TLV; any 1077 already in it is ignored. */
export function computeFpd(kFn: Buffer, documentTlv: Buffer): Buffer {
  return withPrefix(FPD_PREFIX, macChildren(kFn, LABEL_FPD, documentTlv, TAG_FISCAL_SIGN), 4);
}

/** ФПС, the 8-byte message sign in a request container's trailer. */
export function computeFps(kFn: Buffer, documentTlv: Buffer): Buffer {
  return withPrefix(FPS_PREFIX, createHmac('sha256', kFn).update(LABEL_FPS).update(documentTlv).digest(), 6);
}

/** ФПО (the 1078 value, 8 bytes) of an acknowledgement TLV; any 1078 already in it is ignored. */
export function computeFpo(kFn: Buffer, ackTlv: Buffer): Buffer {
  return withPrefix(FPO_PREFIX, macChildren(kFn, LABEL_FPO, ackTlv, TAG_OPERATOR_SIGN), 6);
}

/** ФПП, the 8-byte message sign in a reply container's trailer. */
export function computeFpp(kFn: Buffer, ackTlv: Buffer): Buffer {
  return withPrefix(FPP_PREFIX, createHmac('sha256', kFn).update(LABEL_FPP).update(ackTlv).digest(), 6);
}

export function signsEqual(a: Buffer | undefined, b: Buffer): boolean {
  return a !== undefined && a.length === b.length && timingSafeEqual(a, b);
}

export interface DocumentSignCheck {
  /** The document's 1077 matches ФПД; false also when 1077 is missing. */
  fiscalSignValid: boolean;
  /** The container trailer matches ФПС. */
  messageSignValid: boolean;
}

/** Checks both signs of a request: the document's 1077 and the container's message sign. One walk of the children. */
export function verifyDocumentSigns(kFn: Buffer, documentTlv: Buffer, messageSign: Buffer): DocumentSignCheck {
  const children = readTlvs(documentTlv, TLV_HEADER_LENGTH);
  const fpd = children.find((t) => t.tag === TAG_FISCAL_SIGN)?.value;
  const expectedFpd = withPrefix(FPD_PREFIX, macChildren(kFn, LABEL_FPD, documentTlv, TAG_FISCAL_SIGN, children), 4);
  return {
    fiscalSignValid: signsEqual(fpd, expectedFpd),
    messageSignValid: signsEqual(messageSign, computeFps(kFn, documentTlv)),
  };
}
