/**
 * The operator acknowledgement, form 7 (§3): what the OFD answers to every document, and what a fiscal drive checks.
 *
 * Fields (§3.3; real order 1017, 1078, 1041, 1040, 1012, 1068 — the parser does not assume it):
 *   1017 ofdInn      string 12, right-padded with spaces     1078 ФПО        bytes (8 in real acks: 88 06 + 6)
 *   1041 FN number   string 16                                1040 FD number  uint32 LE
 *   1012 dateTime    unixtime (local wall clock)              1068 STLV { 1022 ofdResponseCode byte }
 *   1206 operatorMessage bitmask byte, optional
 */
import { CONTAINER_TYPE_REPLY, encodeContainer, type Container } from './container.js';
import { ProtocolError } from './errors.js';
import { encodeSessionHeader, FLAGS_CONTAINER_REPLY, type SessionKind } from './session-header.js';
import { encodeTlv, readTlvs, TLV_HEADER_LENGTH } from './tlv.js';

export const FORM_OPERATOR_ACK = 7;
export const TAG_OFD_INN = 1017;
export const TAG_OPERATOR_SIGN = 1078;
export const TAG_FISCAL_DRIVE_NUMBER = 1041;
export const TAG_FISCAL_DOCUMENT_NUMBER = 1040;
export const TAG_DATE_TIME = 1012;
export const TAG_MESSAGE_TO_FN = 1068;
export const TAG_OFD_RESPONSE_CODE = 1022;
export const TAG_OPERATOR_MESSAGE = 1206;

/** 1022 values (§3.4). */
export const OfdResponseCode = { accepted: 0, notRecognised: 11, flkFailed: 14 } as const;
/** 1206 bits (§3.4). */
export const OperatorMessageBits = {
  flkError: 0x02,
  checkCabinet: 0x04,
  updateFfd: 0x08,
  inspectionPlanned: 0x10,
  contactOfd: 0x20,
  ofdCeasing: 0x40,
} as const;

const OFD_INN_WIDTH = 12;
const FN_WIDTH = 16;

export interface AckFields {
  ofdInn: string;
  fiscalDriveNumber: string;
  fiscalDocumentNumber: number;
  /** Seconds: the local wall-clock time encoded as if it were UTC (§5). */
  dateTime: number;
  ofdResponseCode: number;
  operatorMessage?: number;
}

function ascii(s: string, width: number, tag: number): Buffer {
  if (s.length > width || !/^[\x20-\x7e]*$/.test(s)) {
    throw new ProtocolError('JSON_BAD_DOCUMENT', `tag ${tag}: ${JSON.stringify(s)} is not ≤ ${width} printable ASCII characters`);
  }
  return Buffer.from(s.padEnd(width, ' '), 'ascii');
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(n);
  return b;
}

/** The form-7 TLV. Without `fpo` it is the form the ФПО is computed over (children minus 1078). */
export function encodeAckDocument(f: AckFields, fpo?: Buffer): Buffer {
  const children = [encodeTlv(TAG_OFD_INN, ascii(f.ofdInn, OFD_INN_WIDTH, TAG_OFD_INN))];
  if (fpo) children.push(encodeTlv(TAG_OPERATOR_SIGN, fpo));
  children.push(
    encodeTlv(TAG_FISCAL_DRIVE_NUMBER, ascii(f.fiscalDriveNumber, FN_WIDTH, TAG_FISCAL_DRIVE_NUMBER)),
    encodeTlv(TAG_FISCAL_DOCUMENT_NUMBER, u32(f.fiscalDocumentNumber)),
    encodeTlv(TAG_DATE_TIME, u32(f.dateTime)),
    encodeTlv(TAG_MESSAGE_TO_FN, encodeTlv(TAG_OFD_RESPONSE_CODE, Buffer.of(f.ofdResponseCode))),
  );
  if (f.operatorMessage !== undefined) children.push(encodeTlv(TAG_OPERATOR_MESSAGE, Buffer.of(f.operatorMessage)));
  return encodeTlv(FORM_OPERATOR_ACK, Buffer.concat(children));
}

/** What the reply copies from the request (§3.1, §3.2). */
export interface ReplyContext {
  kind?: SessionKind;
  pVersion: number;
  /** The request's 16 FN bytes, echoed exactly. */
  fnRaw: Buffer;
  serviceData1: Buffer;
  fnBcd: Buffer;
  fiscalDocumentNumber: number;
}

/** Session header + reply container in one buffer: the reply goes out in one `socket.write()` (§3.1). */
export function encodeReplyMessage(ctx: ReplyContext, ackTlv: Buffer, fpp: Buffer, serviceData2a: Buffer): Buffer {
  const container = encodeContainer({
    containerType: CONTAINER_TYPE_REPLY,
    serviceData1: ctx.serviceData1,
    fiscalDrive: ctx.fnBcd,
    fiscalDocumentNumber: ctx.fiscalDocumentNumber,
    serviceData2a,
    serviceData2b: 2,
    document: ackTlv,
    messageSign: fpp,
  });
  const header = encodeSessionHeader({
    kind: ctx.kind ?? 'ofd',
    pVersion: ctx.pVersion,
    fn: ctx.fnRaw,
    bodyLength: container.length,
    flags: FLAGS_CONTAINER_REPLY,
  });
  return Buffer.concat([header, container], header.length + container.length);
}

export interface ParsedAck extends AckFields {
  /** Raw 1078 value (ФПО). */
  operatorSign: Buffer | undefined;
}

/** Parses the form-7 document of a reply container; fields in any order. */
export function parseAck(container: Container): ParsedAck {
  if (container.header.documentType !== FORM_OPERATOR_ACK) {
    throw new ProtocolError('PROTO_BAD_CONTAINER', `document type ${container.header.documentType} is not an operator ack (7)`);
  }
  const f = new Map<number, Buffer>();
  for (const t of readTlvs(container.document, TLV_HEADER_LENGTH)) f.set(t.tag, t.value);
  const need = (tag: number): Buffer => {
    const v = f.get(tag);
    if (!v) throw new ProtocolError('PROTO_BAD_CONTAINER', `operator ack lacks tag ${tag}`);
    return v;
  };
  const u32At = (tag: number): number => {
    const v = need(tag);
    if (v.length !== 4) throw new ProtocolError('TLV_BAD_VALUE', `tag ${tag}: ${v.length} bytes where uint32 expected`);
    return v.readUInt32LE(0);
  };
  const code = readTlvs(need(TAG_MESSAGE_TO_FN)).find((t) => t.tag === TAG_OFD_RESPONSE_CODE)?.value;
  if (!code || code.length !== 1) throw new ProtocolError('PROTO_BAD_CONTAINER', 'operator ack lacks 1068/1022 response code');
  const opMsg = f.get(TAG_OPERATOR_MESSAGE);
  return {
    ofdInn: need(TAG_OFD_INN).toString('latin1').trim(),
    fiscalDriveNumber: need(TAG_FISCAL_DRIVE_NUMBER).toString('latin1').trim(),
    fiscalDocumentNumber: u32At(TAG_FISCAL_DOCUMENT_NUMBER),
    dateTime: u32At(TAG_DATE_TIME),
    ofdResponseCode: code[0]!,
    ...(opMsg && opMsg.length === 1 ? { operatorMessage: opMsg[0]! } : {}),
    operatorSign: f.get(TAG_OPERATOR_SIGN),
  };
}
