/**
 * A generated document → the message a register sends (§1, §2, §7 devsign): encode the fields, sign them with ФПД and
 * append 1077, wrap the document TLV in an A5 container whose trailer is the ФПС, prefix the session header.
 */
import { encodeFnBcd } from '../../protocol/bcd.js';
import { CONTAINER_TYPE_REQUEST, encodeContainer } from '../../protocol/container.js';
import { computeFpd, computeFps, deriveFnKey, TAG_FISCAL_SIGN } from '../../protocol/devsign.js';
import { encodeSessionHeader, FLAGS_CONTAINER_REPLY, FN_FIELD_LENGTH, SESSION_HEADER_LENGTH } from '../../protocol/session-header.js';
import { TLV_HEADER_LENGTH } from '../../protocol/tlv.js';
import type { GeneratedDocument } from './document-stream.js';
import { FFD_FORMAT_VERSION, FFD_P_VERSION, type RegisterIdentity } from './register-identity.js';

/** What every message of one FN shares; computed once per register (K_fn costs an HMAC). */
export interface FnWire {
  fiscalDriveNumber: string;
  kFn: Buffer;
  /** The 16 FN bytes of the session header; the reply must echo them (§3.1). */
  fnField: Buffer;
  fnBcd: Buffer;
  pVersion: number;
  /** Service data 2b: captures show `00 02` and `00 04`; we send the FFD's 1209 value, a guess (A). */
  serviceData2b: number;
}

export function fnWire(identity: RegisterIdentity, masterKey: string | Buffer): FnWire {
  return {
    fiscalDriveNumber: identity.fiscalDriveNumber,
    kFn: deriveFnKey(masterKey, identity.fiscalDriveNumber),
    fnField: Buffer.from(identity.fiscalDriveNumber.padEnd(FN_FIELD_LENGTH, ' '), 'latin1'),
    fnBcd: encodeFnBcd(identity.fiscalDriveNumber),
    pVersion: FFD_P_VERSION[identity.ffd],
    serviceData2b: FFD_FORMAT_VERSION[identity.ffd],
  };
}

export interface DocumentMessage {
  /** Session header + container: what goes on the wire. */
  bytes: Buffer;
  /** For the `tamperRate` fault: the same message with a wrong 1077 (and a ФПС that matches it), sent first. */
  tamperedBytes: Buffer | undefined;
  /** The document TLV as signed (1077 included). */
  documentTlv: Buffer;
  /** The 6-byte 1077 value. */
  fiscalSign: Buffer;
  /** The 8-byte ФПС trailer. */
  messageSign: Buffer;
}

/** The TLV with one more child at its end (1077 goes last; ФПД covers the other children in order, §7). */
function appendChild(tlv: Buffer, tag: number, value: Buffer): Buffer {
  const out = Buffer.allocUnsafe(tlv.length + TLV_HEADER_LENGTH + value.length);
  tlv.copy(out, 0);
  out.writeUInt16LE(tlv.readUInt16LE(2) + TLV_HEADER_LENGTH + value.length, 2);
  out.writeUInt16LE(tag, tlv.length);
  out.writeUInt16LE(value.length, tlv.length + 2);
  value.copy(out, tlv.length + TLV_HEADER_LENGTH);
  return out;
}

function frame(wire: FnWire, doc: GeneratedDocument, documentTlv: Buffer, messageSign: Buffer): Buffer {
  const container = encodeContainer({
    containerType: CONTAINER_TYPE_REQUEST,
    fiscalDrive: wire.fnBcd,
    fiscalDocumentNumber: doc.fiscalDocumentNumber,
    serviceData2b: wire.serviceData2b,
    document: documentTlv,
    messageSign,
  });
  const header = encodeSessionHeader({ kind: 'ofd', pVersion: wire.pVersion, fn: wire.fnField, bodyLength: container.length, flags: FLAGS_CONTAINER_REPLY });
  return Buffer.concat([header, container], SESSION_HEADER_LENGTH + container.length);
}

export function buildDocumentMessage(wire: FnWire, doc: GeneratedDocument): DocumentMessage {
  const unsigned = doc.encode();
  const fiscalSign = computeFpd(wire.kFn, unsigned);
  const documentTlv = appendChild(unsigned, TAG_FISCAL_SIGN, fiscalSign);
  const messageSign = computeFps(wire.kFn, documentTlv);
  let tamperedBytes: Buffer | undefined;
  if (doc.tamperFault) {
    const wrong = Buffer.from(fiscalSign);
    const last = wrong.length - 1;
    wrong[last] = wrong[last]! ^ 0xff;
    const tampered = appendChild(unsigned, TAG_FISCAL_SIGN, wrong);
    tamperedBytes = frame(wire, doc, tampered, computeFps(wire.kFn, tampered));
  }
  return { bytes: frame(wire, doc, documentTlv, messageSign), tamperedBytes, documentTlv, fiscalSign, messageSign };
}

/** The printed fiscal sign (JSON `fiscalSign`, §5.1): the last 4 bytes of 1077 as a BE uint32. */
export function printedFiscalSign(fiscalSign: Buffer): number {
  return fiscalSign.readUInt32BE(fiscalSign.length - 4);
}
