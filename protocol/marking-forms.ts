/**
 * Bodies of the marking channel (spec §6, bodies assumed (A)): forms 81 (mark-code check request), 82 (sale
 * notification) from the FN, and our answers 83 and 84. Each travels as a document TLV in the usual 32-byte container
 * with the 10-byte trailer. Tags from ffd-tags.tsv:
 *
 *   81: 2000 code, 2001 request number, 2003 planned status, 2004 FN's check result, 2100 code type, 2102 mode, 2114 time
 *   82: 2002 notification number, 2116 kind of operation, 2007 × n { 2000 code, 2110 assigned status, 2004, 2100, 2101 }
 *   83: 2001 request number, 2005 processing results (bits as 2004), 2105 processing code (0 ok, 1 bad request,
 *       2 code not recognised), 2109 OISM answer on the item (1 correct, 2 incorrect, 3 circulation suspended; absent
 *       when unable to check), 2100 code type, 2101 item id (GTIN), 2114 time, 1078 operator sign
 *   84: 2002 notification number, 2006 result (0 all codes positive, 1 at least one negative), 2111 processing code
 *       (0 accepted and processed, 1 incorrect notification), 1078 operator sign
 *
 * "Unable to check" (CRPT slow or down, the 1.5 s budget spent): 83 with 2105 = 0, 2005 without bit 0x04 ("OISM check
 * done") and without 0x08, and no 2109 — the register then sells in the permissive mode and records that the OISM did not
 * check the code.
 *
 * Signs (devsign, spec §7 extended — this project's definition): the FN's requests carry the ФПС trailer of §7
 * (81 06 ‖ HMAC(K_fn, "FPS" ‖ document TLV)[0..6)), checked like a document's; 81/82 carry no ФПД (1077). Answers 83/84
 * carry 1078 = ФПО computed exactly as for form 7 (88 06 ‖ HMAC(K_fn, "FPO" ‖ children without 1078)[0..6)) and the
 * ФПП trailer of §7 (82 06 ‖ HMAC(K_fn, "FPP" ‖ the whole answer TLV)[0..6), 00 00); service data 2a is 8 zero bytes.
 */
import { decodeCp866, encodeCp866 } from './cp866.js';
import { computeFpo, computeFpp } from './devsign.js';
import { ProtocolError } from './errors.js';
import { encodeTlv, readTlvs, TLV_HEADER_LENGTH, type RawTlv } from './tlv.js';

export const FORM_CODE_CHECK = 81;
export const FORM_SALE_NOTIFICATION = 82;
export const FORM_CODE_CHECK_ANSWER = 83;
export const FORM_NOTIFICATION_RECEIPT = 84;

export const CheckBits = { fnChecked: 0x01, fnPositive: 0x02, oismChecked: 0x04, oismPositive: 0x08 } as const;
export const OismItemAnswer = { correct: 1, incorrect: 2, suspended: 3 } as const;

export interface CodeCheckRequest {
  readonly code: string;
  readonly requestNumber: number;
  readonly plannedStatus: number | undefined;
  readonly fnCheckResult: number | undefined;
  readonly codeType: number | undefined;
  readonly processMode: number | undefined;
  readonly dateTime: number | undefined;
}

export interface NotificationEntry {
  readonly code: string;
  readonly assignedStatus: number | undefined;
  readonly checkResult: number | undefined;
  readonly codeType: number | undefined;
  readonly productId: string | undefined;
}

export interface SaleNotification {
  readonly notificationNumber: number;
  readonly operationKind: number | undefined;
  readonly entries: readonly NotificationEntry[];
}

function children(documentTlv: Buffer): RawTlv[] {
  return readTlvs(documentTlv, TLV_HEADER_LENGTH);
}

function uint(t: RawTlv | undefined): number | undefined {
  if (!t || t.value.length === 0 || t.value.length > 4) return undefined;
  return t.value.readUIntLE(0, t.value.length);
}

function text(t: RawTlv | undefined): string | undefined {
  return t ? decodeCp866(t.value, 0, t.value.length) : undefined;
}

const find = (list: readonly RawTlv[], tag: number) => list.find((t) => t.tag === tag);

export function parseCodeCheckRequest(documentTlv: Buffer): CodeCheckRequest {
  const list = children(documentTlv);
  const code = text(find(list, 2000));
  const requestNumber = uint(find(list, 2001));
  if (!code || requestNumber === undefined) throw new ProtocolError('PROTO_BAD_CONTAINER', 'form 81 needs a code (2000) and a request number (2001)');
  return {
    code,
    requestNumber,
    plannedStatus: uint(find(list, 2003)),
    fnCheckResult: uint(find(list, 2004)),
    codeType: uint(find(list, 2100)),
    processMode: uint(find(list, 2102)),
    dateTime: uint(find(list, 2114)),
  };
}

export function parseSaleNotification(documentTlv: Buffer): SaleNotification {
  const list = children(documentTlv);
  const notificationNumber = uint(find(list, 2002));
  if (notificationNumber === undefined) throw new ProtocolError('PROTO_BAD_CONTAINER', 'form 82 needs a notification number (2002)');
  const entries: NotificationEntry[] = [];
  for (const t of list) {
    if (t.tag !== 2007) continue;
    const inner = readTlvs(t.value);
    const code = text(find(inner, 2000));
    if (!code) continue;
    entries.push({
      code,
      assignedStatus: uint(find(inner, 2110)),
      checkResult: uint(find(inner, 2004)),
      codeType: uint(find(inner, 2100)),
      productId: text(find(inner, 2101)),
    });
  }
  return { notificationNumber, operationKind: uint(find(list, 2116)), entries };
}

const u8 = (tag: number, v: number) => encodeTlv(tag, Buffer.of(v & 0xff));
const u32 = (tag: number, v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return encodeTlv(tag, b);
};
const str = (tag: number, s: string) => encodeTlv(tag, encodeCp866(s, tag));

/** A form TLV with its 1078 ФПО appended, and the ФПП for the trailer (devsign). */
function signAnswer(form: number, fields: Buffer[], kFn: Buffer): { tlv: Buffer; fpp: Buffer } {
  const unsigned = encodeTlv(form, Buffer.concat(fields));
  const tlv = encodeTlv(form, Buffer.concat([...fields, encodeTlv(1078, computeFpo(kFn, unsigned))]));
  return { tlv, fpp: computeFpp(kFn, tlv) };
}

export interface CodeCheckAnswer {
  readonly requestNumber: number;
  /** 2105 */
  readonly processingCode: number;
  /** 2005 */
  readonly results: number;
  /** 2109; undefined = unable to check. */
  readonly itemAnswer: number | undefined;
  readonly codeType: number | undefined;
  readonly productId: string | undefined;
  readonly dateTime: number;
}

export function encodeCodeCheckAnswer(a: CodeCheckAnswer, kFn: Buffer): { tlv: Buffer; fpp: Buffer } {
  const fields = [u32(2001, a.requestNumber), u8(2005, a.results), u8(2105, a.processingCode)];
  if (a.itemAnswer !== undefined) fields.push(u8(2109, a.itemAnswer));
  if (a.codeType !== undefined) fields.push(u8(2100, a.codeType));
  if (a.productId) fields.push(str(2101, a.productId));
  fields.push(u32(2114, a.dateTime));
  return signAnswer(FORM_CODE_CHECK_ANSWER, fields, kFn);
}

export interface NotificationReceipt {
  readonly notificationNumber: number;
  /** 2006 */
  readonly result: number;
  /** 2111 */
  readonly processingCode: number;
}

export function encodeNotificationReceipt(r: NotificationReceipt, kFn: Buffer): { tlv: Buffer; fpp: Buffer } {
  return signAnswer(FORM_NOTIFICATION_RECEIPT, [u32(2002, r.notificationNumber), u8(2006, r.result), u8(2111, r.processingCode)], kFn);
}

/** Reads an answer's fields back (tests, the emulator). */
export function parseAnswerFields(documentTlv: Buffer): Map<number, RawTlv> {
  return new Map(children(documentTlv).map((t) => [t.tag, t]));
}

/** GS1 codes start with AI 01 and the 14-digit GTIN. */
export function gtinOf(code: string): string | undefined {
  return /^01(\d{14})/.exec(code)?.[1];
}
