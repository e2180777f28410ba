/**
 * The register's side of the marking channel (spec §6, bodies and signs in protocol/marking-forms.ts): building
 * form 81 (mark-code check request) and form 82 (sale notification) as an FN would — `DD80CAA1` session header of kind
 * `oism`, the usual A5 container, the ФПС trailer (devsign) — and checking the answers 83 / 84 as an FN would: the FN
 * echoed, a whole 5A container of the expected form for this FN, the request / notification number echoed, and the
 * ФПО (1078) and ФПП (trailer) verifying with K_fn.
 */
import { CONTAINER_TYPE_REPLY, CONTAINER_TYPE_REQUEST, decodeContainer, encodeContainer } from '../../protocol/container.js';
import { encodeCp866 } from '../../protocol/cp866.js';
import type { FieldObject } from '../../protocol/document-json.js';
import { computeFpo, computeFpp, computeFps, signsEqual } from '../../protocol/devsign.js';
import { ProtocolError } from '../../protocol/errors.js';
import type { Frame } from '../../protocol/framer.js';
import { encodeSessionHeader, FLAGS_CONTAINER_REPLY, SESSION_HEADER_LENGTH } from '../../protocol/session-header.js';
import { encodeTlv, readTlvs, TLV_HEADER_LENGTH, type RawTlv } from '../../protocol/tlv.js';
import { FORM_CODE_CHECK, FORM_CODE_CHECK_ANSWER, FORM_NOTIFICATION_RECEIPT, FORM_SALE_NOTIFICATION } from '../../protocol/marking-forms.js';
import type { FnWire } from './document-message.js';

/** The protocol version the marking traffic carries (as registers send it, spec §6). */
export const MARKING_P_VERSION = 0x0120;

const u8 = (tag: number, v: number): Buffer => encodeTlv(tag, Buffer.of(v & 0xff));
const u32 = (tag: number, v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return encodeTlv(tag, b);
};
const str = (tag: number, s: string): Buffer => encodeTlv(tag, encodeCp866(s, tag));

/** The marking codes (1163 as the emulator writes it: `productCodeNew: { gs1m | kmk: code }`) of a receipt's items. */
export function markingCodesOf(fields: FieldObject): string[] {
  const items = (fields as { items?: unknown }).items;
  if (!Array.isArray(items)) return [];
  const codes: string[] = [];
  for (const item of items as unknown[]) {
    const pc = (item as { productCodeNew?: unknown } | null)?.productCodeNew;
    if (!pc || typeof pc !== 'object') continue;
    for (const v of Object.values(pc as Record<string, unknown>)) if (typeof v === 'string' && v !== '') codes.push(v);
  }
  return codes;
}

function markingFrame(wire: FnWire, fiscalDocumentNumber: number, form: number, fields: Buffer[]): Buffer {
  const document = encodeTlv(form, Buffer.concat(fields));
  const container = encodeContainerFor(wire, fiscalDocumentNumber, document);
  const header = encodeSessionHeader({ kind: 'oism', pVersion: MARKING_P_VERSION, fn: wire.fnField, bodyLength: container.length, flags: FLAGS_CONTAINER_REPLY });
  return Buffer.concat([header, container], SESSION_HEADER_LENGTH + container.length);
}

function encodeContainerFor(wire: FnWire, fiscalDocumentNumber: number, document: Buffer): Buffer {
  return encodeContainer({
    containerType: CONTAINER_TYPE_REQUEST,
    fiscalDrive: wire.fnBcd,
    fiscalDocumentNumber,
    document,
    messageSign: computeFps(wire.kFn, document),
  });
}

/** Form 81 for one code: planned status 1 (sold by the piece), FN check 0x03 (checked, positive), mode 0. */
export function buildCodeCheckRequest(wire: FnWire, fiscalDocumentNumber: number, code: string, requestNumber: number, dateTime: number): Buffer {
  return markingFrame(wire, fiscalDocumentNumber, FORM_CODE_CHECK, [
    str(2000, code),
    u32(2001, requestNumber),
    u8(2003, 1),
    u8(2004, 0x03),
    u8(2100, code.startsWith('01') ? 2 : 1),
    u8(2102, 0),
    u32(2114, dateTime),
  ]);
}

/** Form 82 for a sold receipt's codes: operation 1 (sale), each code assigned status 1. */
export function buildSaleNotification(wire: FnWire, fiscalDocumentNumber: number, notificationNumber: number, codes: readonly string[], checkResults: readonly number[]): Buffer {
  return markingFrame(wire, fiscalDocumentNumber, FORM_SALE_NOTIFICATION, [
    u32(2002, notificationNumber),
    u8(2116, 1),
    ...codes.map((c, i) =>
      encodeTlv(2007, Buffer.concat([str(2000, c), u8(2110, 1), u8(2004, checkResults[i] ?? 0x03), u8(2100, c.startsWith('01') ? 2 : 1)])),
    ),
  ]);
}

export type MarkingVerdict = { ok: true; fields: Map<number, RawTlv> } | { ok: false; code: string; message: string };

function uint(t: RawTlv | undefined): number | undefined {
  if (!t || t.value.length === 0 || t.value.length > 4) return undefined;
  return t.value.readUIntLE(0, t.value.length);
}

export function answerUint(fields: Map<number, RawTlv>, tag: number): number | undefined {
  return uint(fields.get(tag));
}

/**
 * Checks an 83 (expect form 83, `numberTag` 2001) or 84 (form 84, 2002) reply frame. Never throws.
 */
export function checkMarkingAnswer(frame: Frame, wire: FnWire, expect: { form: number; numberTag: number; number: number; verifySigns: boolean }): MarkingVerdict {
  if (!frame.header.fnRaw.equals(wire.fnField)) return { ok: false, code: 'MARKING_FN_NOT_ECHOED', message: 'session header FN not echoed' };
  let container;
  try {
    container = decodeContainer(frame.body);
  } catch (e) {
    return { ok: false, code: 'MARKING_BAD_CONTAINER', message: e instanceof ProtocolError ? `${e.code}: ${e.message}` : String(e) };
  }
  const h = container.header;
  if (h.containerType !== CONTAINER_TYPE_REPLY || h.documentType !== expect.form) {
    return { ok: false, code: 'MARKING_WRONG_FORM', message: `container 0x${h.containerType.toString(16)} / form ${h.documentType}, expected 0x5a / ${expect.form}` };
  }
  if (h.fiscalDriveNumber !== wire.fiscalDriveNumber) return { ok: false, code: 'MARKING_FN_MISMATCH', message: `container FN ${h.fiscalDriveNumber}` };
  let list: RawTlv[];
  try {
    list = readTlvs(container.document, TLV_HEADER_LENGTH);
  } catch (e) {
    return { ok: false, code: 'MARKING_BAD_CONTAINER', message: String(e) };
  }
  const fields = new Map(list.map((t) => [t.tag, t]));
  if (uint(fields.get(expect.numberTag)) !== expect.number) {
    return { ok: false, code: 'MARKING_NUMBER_MISMATCH', message: `${expect.numberTag} ${String(uint(fields.get(expect.numberTag)))} != ${expect.number}` };
  }
  if (expect.verifySigns) {
    const withoutFpo = encodeTlv(expect.form, Buffer.concat(list.filter((t) => t.tag !== 1078).map((t) => encodeTlv(t.tag, t.value))));
    if (!signsEqual(fields.get(1078)?.value, computeFpo(wire.kFn, withoutFpo))) return { ok: false, code: 'MARKING_BAD_FPO', message: 'ФПО (1078) missing or wrong' };
    if (!signsEqual(container.messageSign, computeFpp(wire.kFn, container.document))) return { ok: false, code: 'MARKING_BAD_FPP', message: 'ФПП does not verify' };
  }
  return { ok: true, fields };
}

export { FORM_CODE_CHECK_ANSWER, FORM_NOTIFICATION_RECEIPT };
