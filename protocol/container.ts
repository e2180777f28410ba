/**
 * The FN-built container (§2): a 32-byte header, the TLV document, and a 10-byte trailer.
 *
 * | off | size | field                  | encoding                                                        |
 * |   0 |    2 | length                 | uint16 LE, the whole container including this header           |
 * |   2 |    2 | CRC                    | uint16 LE, CRC-16/CCITT-FALSE over [0..1] ++ [4..end]          |
 * |   4 |    1 | container type         | `A5` FN → OFD, `5A` OFD → FN                                    |
 * |   5 |    1 | document type          | form code (§4)                                                  |
 * |   6 |    1 | format version         | `01`                                                            |
 * |   7 |    2 | service data 1         | opaque (`10 09` in every capture), copied into the reply       |
 * |   9 |    8 | FN number              | packed BCD                                                      |
 * |  17 |    3 | FD number              | uint24 BE                                                       |
 * |  20 |    8 | service data 2a        | opaque, kept as received                                        |
 * |  28 |    2 | service data 2b        | uint16 BE                                                       |
 * |  30 |    2 | document length        | uint16 BE, the TLV document including its 4-byte TLV header    |
 * then the document, then the 8-byte message sign (`81 06`… ФПС / `82 06`… ФПП) and `00 00`.
 */
import { decodeFnBcd, encodeFnBcd, FN_BCD_LENGTH } from './bcd.js';
import { crc16 } from './crc.js';
import { ProtocolError } from './errors.js';
import { TLV_HEADER_LENGTH } from './tlv.js';

export const CONTAINER_HEADER_LENGTH = 32;
export const MESSAGE_SIGN_LENGTH = 8;
export const TRAILER_TAIL_LENGTH = 2;
export const CONTAINER_TRAILER_LENGTH = MESSAGE_SIGN_LENGTH + TRAILER_TAIL_LENGTH; // 10
/** A container carries at most 32 KiB of data (§1.4). */
export const MAX_CONTAINER_DATA = 32 * 1024;
export const MAX_CONTAINER_LENGTH = CONTAINER_HEADER_LENGTH + MAX_CONTAINER_DATA + CONTAINER_TRAILER_LENGTH;

export const CONTAINER_TYPE_REQUEST = 0xa5; // FN → OFD
export const CONTAINER_TYPE_REPLY = 0x5a; // OFD → FN
export const CONTAINER_FORMAT_VERSION = 0x01;

const OFF_CRC = 2;
const OFF_TYPE = 4;
const OFF_DOC_TYPE = 5;
const OFF_FORMAT = 6;
const OFF_SERVICE1 = 7;
const OFF_FN = 9;
const OFF_FD = 17;
const OFF_SERVICE2A = 20;
const OFF_SERVICE2B = 28;
const OFF_DOC_LENGTH = 30;

export interface ContainerHeader {
  length: number;
  crc: number;
  containerType: number;
  documentType: number;
  formatVersion: number;
  serviceData1: Buffer;
  fnBcd: Buffer;
  fiscalDriveNumber: string;
  fiscalDocumentNumber: number;
  serviceData2a: Buffer;
  serviceData2b: number;
  documentLength: number;
}

export interface Container {
  header: ContainerHeader;
  /** The document TLV as sent (tag = form code), 4-byte TLV header included. */
  document: Buffer;
  /** The 8-byte message sign: ФПС (`81 06`…) on requests, ФПП (`82 06`…) on replies. */
  messageSign: Buffer;
  /** The 2 bytes after the sign (`00 00` in every capture). */
  trailerTail: Buffer;
  /** The whole container. */
  raw: Buffer;
}

/** CRC over [0..1] ++ [4..end]: the whole container with its CRC field skipped (§2.1, verified on captures). */
export function containerCrc(buf: Buffer): number {
  return crc16(buf, OFF_TYPE, buf.length, crc16(buf, 0, OFF_CRC));
}

/**
 * Decodes a container and checks everything that can be checked without keys: length field, CRC, type, the document
 * length against the container length, the document's TLV header against the document type. Views into `buf`.
 */
export function decodeContainer(buf: Buffer): Container {
  if (buf.length < CONTAINER_HEADER_LENGTH + CONTAINER_TRAILER_LENGTH) {
    throw new ProtocolError('PROTO_TRUNCATED', `container needs at least ${CONTAINER_HEADER_LENGTH + CONTAINER_TRAILER_LENGTH} bytes, got ${buf.length}`, 0);
  }
  const length = buf.readUInt16LE(0);
  if (length !== buf.length) {
    throw new ProtocolError(length > buf.length ? 'PROTO_TRUNCATED' : 'PROTO_BAD_CONTAINER', `container length field ${length} != ${buf.length} bytes received`, 0);
  }
  const crc = buf.readUInt16LE(OFF_CRC);
  const actual = containerCrc(buf);
  if (crc !== actual) {
    throw new ProtocolError('PROTO_BAD_CRC', `container CRC 0x${crc.toString(16).padStart(4, '0')} != computed 0x${actual.toString(16).padStart(4, '0')}`, OFF_CRC);
  }
  const containerType = buf[OFF_TYPE]!;
  if (containerType !== CONTAINER_TYPE_REQUEST && containerType !== CONTAINER_TYPE_REPLY) {
    throw new ProtocolError('PROTO_BAD_CONTAINER', `container type 0x${containerType.toString(16)} is neither A5 nor 5A`, OFF_TYPE);
  }
  const documentType = buf[OFF_DOC_TYPE]!;
  const documentLength = buf.readUInt16BE(OFF_DOC_LENGTH);
  if (CONTAINER_HEADER_LENGTH + documentLength + CONTAINER_TRAILER_LENGTH !== length) {
    throw new ProtocolError('PROTO_BAD_CONTAINER', `document length ${documentLength} + 42 != container length ${length}`, OFF_DOC_LENGTH);
  }
  const docEnd = CONTAINER_HEADER_LENGTH + documentLength;
  const document = buf.subarray(CONTAINER_HEADER_LENGTH, docEnd);
  if (documentLength < TLV_HEADER_LENGTH) {
    throw new ProtocolError('PROTO_BAD_CONTAINER', `document length ${documentLength} is shorter than a TLV header`, OFF_DOC_LENGTH);
  }
  const docTag = document.readUInt16LE(0);
  const docTlvLength = document.readUInt16LE(2);
  if (docTag !== documentType) {
    throw new ProtocolError('PROTO_BAD_CONTAINER', `document TLV tag ${docTag} != container document type ${documentType}`, CONTAINER_HEADER_LENGTH);
  }
  if (docTlvLength + TLV_HEADER_LENGTH !== documentLength) {
    throw new ProtocolError('PROTO_BAD_CONTAINER', `document TLV length ${docTlvLength} + 4 != document length ${documentLength}`, CONTAINER_HEADER_LENGTH + 2);
  }
  return {
    header: {
      length,
      crc,
      containerType,
      documentType,
      formatVersion: buf[OFF_FORMAT]!,
      serviceData1: buf.subarray(OFF_SERVICE1, OFF_SERVICE1 + 2),
      fnBcd: buf.subarray(OFF_FN, OFF_FN + FN_BCD_LENGTH),
      fiscalDriveNumber: decodeFnBcd(buf, OFF_FN),
      fiscalDocumentNumber: buf.readUIntBE(OFF_FD, 3),
      serviceData2a: buf.subarray(OFF_SERVICE2A, OFF_SERVICE2A + 8),
      serviceData2b: buf.readUInt16BE(OFF_SERVICE2B),
      documentLength,
    },
    document,
    messageSign: buf.subarray(docEnd, docEnd + MESSAGE_SIGN_LENGTH),
    trailerTail: buf.subarray(docEnd + MESSAGE_SIGN_LENGTH, docEnd + CONTAINER_TRAILER_LENGTH),
    raw: buf,
  };
}

export interface ContainerFields {
  containerType: number;
  /** Defaults to the document TLV's tag. */
  documentType?: number;
  formatVersion?: number;
  serviceData1?: Uint8Array;
  /** 8 BCD bytes, or the FN number as digits. */
  fiscalDrive: Buffer | string;
  fiscalDocumentNumber: number;
  serviceData2a?: Uint8Array;
  serviceData2b?: number;
  document: Buffer;
  messageSign: Uint8Array;
  trailerTail?: Uint8Array;
}

/** The service data every capture carries; our replies copy the request's instead (§3.2). */
export const DEFAULT_SERVICE_DATA_1 = Buffer.from([0x10, 0x09]);

export function encodeContainer(f: ContainerFields): Buffer {
  const length = CONTAINER_HEADER_LENGTH + f.document.length + CONTAINER_TRAILER_LENGTH;
  if (length > 0xffff) throw new ProtocolError('PROTO_FRAME_TOO_LARGE', `container of ${length} bytes does not fit its length field`);
  if (f.messageSign.length !== MESSAGE_SIGN_LENGTH) throw new ProtocolError('PROTO_BAD_CONTAINER', 'message sign must be 8 bytes');
  if (!Number.isInteger(f.fiscalDocumentNumber) || f.fiscalDocumentNumber < 0 || f.fiscalDocumentNumber > 0xffffff) {
    throw new ProtocolError('PROTO_BAD_CONTAINER', `FD number ${f.fiscalDocumentNumber} does not fit 3 bytes`);
  }
  const out = Buffer.alloc(length);
  out.writeUInt16LE(length, 0);
  out[OFF_TYPE] = f.containerType;
  out[OFF_DOC_TYPE] = f.documentType ?? f.document.readUInt16LE(0);
  out[OFF_FORMAT] = f.formatVersion ?? CONTAINER_FORMAT_VERSION;
  out.set(f.serviceData1 ?? DEFAULT_SERVICE_DATA_1, OFF_SERVICE1);
  out.set(typeof f.fiscalDrive === 'string' ? encodeFnBcd(f.fiscalDrive) : f.fiscalDrive, OFF_FN);
  out.writeUIntBE(f.fiscalDocumentNumber, OFF_FD, 3);
  if (f.serviceData2a) out.set(f.serviceData2a, OFF_SERVICE2A);
  out.writeUInt16BE(f.serviceData2b ?? 2, OFF_SERVICE2B);
  out.writeUInt16BE(f.document.length, OFF_DOC_LENGTH);
  f.document.copy(out, CONTAINER_HEADER_LENGTH);
  out.set(f.messageSign, CONTAINER_HEADER_LENGTH + f.document.length);
  if (f.trailerTail) out.set(f.trailerTail, CONTAINER_HEADER_LENGTH + f.document.length + MESSAGE_SIGN_LENGTH);
  out.writeUInt16LE(containerCrc(out), OFF_CRC);
  return out;
}

/** `messageFiscalSign` in FNS JSON: the 8 sign bytes as a big-endian uint64, as a decimal string (§5.1). */
export function messageFiscalSign(sign: Buffer): string {
  return sign.readBigUInt64BE(0).toString();
}
