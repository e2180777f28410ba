/**
 * Whole-input decoding for tools (`ofd decode`, fixtures): a stream of messages (session header + container), or of
 * bare containers, → one structured record per message. Detection is by the first bytes: a session signature
 * (`2A08410A` / `DD80CAA1`) means messages; otherwise a container is expected (type byte A5/5A at offset 4).
 */
import { decodeContainer, messageFiscalSign, type Container } from './container.js';
import { decodeDocument } from './document-json.js';
import { ProtocolError } from './errors.js';
import { Framer } from './framer.js';
import { SIGNATURE_MARKING, SIGNATURE_OFD, type SessionHeader } from './session-header.js';
import { readTlvs, TLV_HEADER_LENGTH } from './tlv.js';

export interface DecodedMessage {
  /** Offset of the message in the input. */
  offset: number;
  sessionHeader: Record<string, unknown> | null;
  container: Record<string, unknown> | null;
  /** `{ "<formName>": { … } }`, or null for an empty message. */
  document: Record<string, unknown> | null;
  signs: Record<string, unknown> | null;
}

export function looksLikeSessionStream(buf: Buffer): boolean {
  if (buf.length < 4) return false;
  const sig = buf.readUInt32BE(0);
  return sig === SIGNATURE_OFD || sig === SIGNATURE_MARKING;
}

function describeSession(h: SessionHeader): Record<string, unknown> {
  return {
    kind: h.kind,
    signature: h.signature.toString(16).padStart(8, '0'),
    sVersion: h.sVersion.toString(16).padStart(4, '0'),
    pVersion: h.pVersion.toString(16).padStart(4, '0'),
    pVersionFfd: h.pVersionFfd ?? null,
    fiscalDriveNumber: h.fiscalDriveNumber,
    fnRaw: h.fnRaw.toString('latin1'),
    bodyLength: h.bodyLength,
    flags: h.flagsRaw,
    crcMode: h.flags.crcMode,
    hasContainer: h.flags.hasContainer,
    expectsReply: h.flags.expectsReply,
    crc: h.crc,
  };
}

function describeContainer(c: Container): { container: Record<string, unknown>; document: Record<string, unknown>; signs: Record<string, unknown> } {
  const h = c.header;
  const container = {
    length: h.length,
    crc: h.crc,
    containerType: h.containerType.toString(16).toUpperCase(),
    documentType: h.documentType,
    formatVersion: h.formatVersion,
    serviceData1: h.serviceData1.toString('hex'),
    fiscalDriveNumber: h.fiscalDriveNumber,
    fiscalDocumentNumber: h.fiscalDocumentNumber,
    serviceData2a: h.serviceData2a.toString('hex'),
    serviceData2b: h.serviceData2b,
    documentLength: h.documentLength,
  };
  const decoded = decodeDocument(c.document);
  const children = readTlvs(c.document, TLV_HEADER_LENGTH);
  const fpd = children.find((t) => t.tag === 1077)?.value;
  const fpo = children.find((t) => t.tag === 1078)?.value;
  const signs: Record<string, unknown> = {
    messageSign: c.messageSign.toString('hex'),
    messageFiscalSign: messageFiscalSign(c.messageSign),
    ...(fpd ? { fiscalSignRaw: fpd.toString('hex'), fiscalSign: fpd.length >= 4 ? fpd.readUInt32BE(fpd.length - 4) : null } : {}),
    ...(fpo ? { operatorSign: fpo.toString('hex') } : {}),
  };
  // rawData (§9): the raw document — TLV + trailer — as base64.
  const rawData = c.raw.subarray(32).toString('base64');
  const body = decoded.json[decoded.formName] as Record<string, unknown> | undefined;
  const document = body
    ? { [decoded.formName]: { ...body, ...(c.header.containerType === 0xa5 ? { messageFiscalSign: signs.messageFiscalSign } : {}), rawData } }
    : decoded.json;
  return { container, document, signs };
}

function decodeOneContainer(buf: Buffer, offset: number): DecodedMessage {
  try {
    return { offset, sessionHeader: null, ...describeContainer(decodeContainer(buf)) };
  } catch (e) {
    throw relocate(e, offset);
  }
}

function relocate(e: unknown, base: number): unknown {
  return e instanceof ProtocolError ? new ProtocolError(e.code, e.message.replace(/ \(at byte \d+\)$/, ''), base + (e.offset ?? 0)) : e;
}

/** Decodes every message of the input; throws the first ProtocolError, with its offset in the input. */
export function* decodeMessages(input: Buffer): Generator<DecodedMessage> {
  if (looksLikeSessionStream(input)) {
    const framer = new Framer({ maxBodyLength: 0xffff });
    for (const frame of framer.push(input)) {
      const base = frame.streamOffset + 30;
      const sessionHeader = describeSession(frame.header);
      if (frame.body.length === 0) {
        yield { offset: frame.streamOffset, sessionHeader, container: null, document: null, signs: null };
        continue;
      }
      yield { ...decodeOneContainer(frame.body, base), offset: frame.streamOffset, sessionHeader };
    }
    framer.end();
    return;
  }
  let off = 0;
  while (off < input.length) {
    if (input.length - off < 2) throw new ProtocolError('PROTO_TRUNCATED', 'stray byte after the last container', off);
    if (input.length - off > 4 && input[off + 4] !== 0xa5 && input[off + 4] !== 0x5a) {
      throw new ProtocolError('PROTO_BAD_SIGNATURE', 'neither a session header (2A08410A / DD80CAA1) nor a container (type A5 / 5A)', off);
    }
    const len = input.readUInt16LE(off);
    if (len === 0) throw new ProtocolError('PROTO_BAD_CONTAINER', 'container length 0', off);
    if (off + len > input.length) throw new ProtocolError('PROTO_TRUNCATED', `container announces ${len} bytes, ${input.length - off} remain`, off);
    yield decodeOneContainer(input.subarray(off, off + len), off);
    off += len;
  }
}
