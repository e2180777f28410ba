// Builds FN-side marking messages (forms 81 and 82) as spec §6 assumes them, signed with devsign's ФПС.
import { CONTAINER_TYPE_REQUEST, decodeContainer } from '../../../protocol/container.js';
import { encodeContainer } from '../../../protocol/container.js';
import { computeFps, computeFpo, computeFpp, deriveFnKey } from '../../../protocol/devsign.js';
import { encodeSessionHeader } from '../../../protocol/session-header.js';
import { encodeTlv, readTlvs } from '../../../protocol/tlv.js';
import { ascii, MASTER_KEY, stlv, u32, u8 } from '../../support/kkt.js';

export function markingMessage(fn: string, fd: number, form: number, children: Buffer[], opts: { tamper?: boolean } = {}): Buffer {
  const k = deriveFnKey(MASTER_KEY, fn);
  const document = stlv(form, ...children);
  const fps = computeFps(k, document);
  if (opts.tamper) fps[7]! ^= 0xff;
  const container = encodeContainer({ containerType: CONTAINER_TYPE_REQUEST, fiscalDrive: fn, fiscalDocumentNumber: fd, document, messageSign: fps });
  const header = encodeSessionHeader({ kind: 'oism', pVersion: 0x0120, fn, bodyLength: container.length, flags: 0x0014 });
  return Buffer.concat([header, container]);
}

export function codeCheckRequest(fn: string, fd: number, code: string, requestNumber: number): Buffer {
  return markingMessage(fn, fd, 81, [ascii(2000, code), u32(2001, requestNumber), u8(2003, 1), u8(2004, 0x03), u8(2100, 2), u8(2102, 0)]);
}

export function saleNotification(fn: string, fd: number, notificationNumber: number, codes: string[]): Buffer {
  return markingMessage(fn, fd, 82, [
    u32(2002, notificationNumber),
    u8(2116, 1),
    ...codes.map((c) => stlv(2007, ascii(2000, c), u8(2110, 1), u8(2004, 0x0f), u8(2100, 2))),
  ]);
}

export function probe(fn: string): Buffer {
  return encodeSessionHeader({ kind: 'oism', pVersion: 0x0120, fn, bodyLength: 0, flags: 0x0010 });
}

export interface ParsedAnswer {
  form: number;
  fields: Map<number, Buffer>;
  signsValid: boolean;
}

/** Parses an 83/84 answer and checks its ФПО and ФПП as the FN would. */
export function parseAnswer(fn: string, reply: Buffer): ParsedAnswer {
  const container = decodeContainer(reply.subarray(30));
  const k = deriveFnKey(MASTER_KEY, fn);
  const fields = new Map(readTlvs(container.document, 4).map((t) => [t.tag, t.value]));
  const fpo = fields.get(1078);
  const withoutFpo = encodeTlv(
    container.header.documentType,
    Buffer.concat(readTlvs(container.document, 4).filter((t) => t.tag !== 1078).map((t) => encodeTlv(t.tag, t.value))),
  );
  const signsValid = fpo !== undefined && fpo.equals(computeFpo(k, withoutFpo)) && container.messageSign.equals(computeFpp(k, container.document));
  return { form: container.header.documentType, fields, signsValid };
}
