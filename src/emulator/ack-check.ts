/**
 * What a fiscal drive checks before it accepts an operator acknowledgement and drops the document from its queue
 * (§3, §7): the reply's session header echoes the request's 16 FN bytes; the container is a whole, CRC-correct `5A`
 * of document type 7 for this FN (BCD) and this FD; the ack's 1041/1040 name the same FN and FD; and, under devsign,
 * the ФПО (1078) and the ФПП (trailer) verify with K_fn. Shared by the emulator and `ofd replay`.
 */
import { FORM_OPERATOR_ACK, parseAck, type ParsedAck } from '../../protocol/ack.js';
import { CONTAINER_TYPE_REPLY, decodeContainer } from '../../protocol/container.js';
import { computeFpo, computeFpp, signsEqual } from '../../protocol/devsign.js';
import { ProtocolError } from '../../protocol/errors.js';
import { Framer, type Frame } from '../../protocol/framer.js';

export const AckErrorCodes = {
  /** The reply is not one whole message (framer error, truncated, or bytes after it). */
  ACK_BAD_FRAME: 'ACK_BAD_FRAME',
  /** The session header does not echo the request's 16 FN bytes. */
  ACK_FN_NOT_ECHOED: 'ACK_FN_NOT_ECHOED',
  /** Container length / CRC / structure wrong. */
  ACK_BAD_CONTAINER: 'ACK_BAD_CONTAINER',
  /** Container type is not 5A or document type is not 7. */
  ACK_NOT_OPERATOR_ACK: 'ACK_NOT_OPERATOR_ACK',
  /** Container FN (BCD) or the ack's 1041 names another FN. */
  ACK_FN_MISMATCH: 'ACK_FN_MISMATCH',
  /** Container FD or the ack's 1040 names another document. */
  ACK_FD_MISMATCH: 'ACK_FD_MISMATCH',
  /** ФПО (1078) missing or not the devsign value. */
  ACK_BAD_FPO: 'ACK_BAD_FPO',
  /** ФПП (reply trailer) not the devsign value. */
  ACK_BAD_FPP: 'ACK_BAD_FPP',
} as const;
export type AckErrorCode = (typeof AckErrorCodes)[keyof typeof AckErrorCodes];

export interface AckExpectation {
  /** The request's 16 session-header FN bytes. */
  fnField: Buffer;
  fiscalDriveNumber: string;
  fiscalDocumentNumber: number;
  /** K_fn for the devsign checks; undefined skips ФПО/ФПП (crypto `none`). */
  kFn: Buffer | undefined;
}

export type AckVerdict =
  | { ok: true; ofdResponseCode: number; operatorMessage: number | undefined; ack: ParsedAck }
  | { ok: false; code: AckErrorCode; message: string };

function fail(code: AckErrorCode, message: string): AckVerdict {
  return { ok: false, code, message };
}

/** Checks one reply frame against the request it answers. Never throws. */
export function checkAckFrame(frame: Frame, expect: AckExpectation): AckVerdict {
  if (!frame.header.fnRaw.equals(expect.fnField)) {
    return fail(AckErrorCodes.ACK_FN_NOT_ECHOED, `session header FN ${JSON.stringify(frame.header.fnRaw.toString('latin1'))} != request's ${JSON.stringify(expect.fnField.toString('latin1'))}`);
  }
  let container;
  try {
    container = decodeContainer(frame.body);
  } catch (e) {
    return fail(AckErrorCodes.ACK_BAD_CONTAINER, e instanceof ProtocolError ? `${e.code}: ${e.message}` : String(e));
  }
  const h = container.header;
  if (h.containerType !== CONTAINER_TYPE_REPLY || h.documentType !== FORM_OPERATOR_ACK) {
    return fail(AckErrorCodes.ACK_NOT_OPERATOR_ACK, `container type 0x${h.containerType.toString(16)} / document type ${h.documentType}, expected 0x5a / 7`);
  }
  if (h.fiscalDriveNumber !== expect.fiscalDriveNumber) {
    return fail(AckErrorCodes.ACK_FN_MISMATCH, `container FN ${h.fiscalDriveNumber} != ${expect.fiscalDriveNumber}`);
  }
  if (h.fiscalDocumentNumber !== expect.fiscalDocumentNumber) {
    return fail(AckErrorCodes.ACK_FD_MISMATCH, `container FD ${h.fiscalDocumentNumber} != ${expect.fiscalDocumentNumber}`);
  }
  let ack: ParsedAck;
  try {
    ack = parseAck(container);
  } catch (e) {
    return fail(AckErrorCodes.ACK_BAD_CONTAINER, e instanceof ProtocolError ? `${e.code}: ${e.message}` : String(e));
  }
  if (ack.fiscalDriveNumber !== expect.fiscalDriveNumber) {
    return fail(AckErrorCodes.ACK_FN_MISMATCH, `ack 1041 ${ack.fiscalDriveNumber} != ${expect.fiscalDriveNumber}`);
  }
  if (ack.fiscalDocumentNumber !== expect.fiscalDocumentNumber) {
    return fail(AckErrorCodes.ACK_FD_MISMATCH, `ack 1040 ${ack.fiscalDocumentNumber} != ${expect.fiscalDocumentNumber}`);
  }
  if (expect.kFn) {
    if (!signsEqual(ack.operatorSign, computeFpo(expect.kFn, container.document))) {
      return fail(AckErrorCodes.ACK_BAD_FPO, ack.operatorSign ? 'ФПО (1078) does not verify under devsign' : 'ack lacks ФПО (1078)');
    }
    if (!signsEqual(container.messageSign, computeFpp(expect.kFn, container.document))) {
      return fail(AckErrorCodes.ACK_BAD_FPP, 'ФПП (reply trailer) does not verify under devsign');
    }
  }
  return { ok: true, ofdResponseCode: ack.ofdResponseCode, operatorMessage: ack.operatorMessage, ack };
}

/** Checks a whole reply given as bytes: exactly one message, then `checkAckFrame`. */
export function checkAckBytes(reply: Buffer, expect: AckExpectation): AckVerdict {
  let frames: Frame[];
  try {
    const framer = new Framer();
    frames = framer.push(reply);
    framer.end();
  } catch (e) {
    return fail(AckErrorCodes.ACK_BAD_FRAME, e instanceof ProtocolError ? `${e.code}: ${e.message}` : String(e));
  }
  if (frames.length !== 1) return fail(AckErrorCodes.ACK_BAD_FRAME, `${frames.length} messages in the reply, expected 1`);
  return checkAckFrame(frames[0]!, expect);
}
