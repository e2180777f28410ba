/**
 * One message in → what to answer (§8). Pure of sockets: the connection loop writes the reply or closes.
 *
 *   empty message          → echo the header with flags 0 and length 0 when a reply is expected (§1.2, §6)
 *   container              → CRC/length checks → one FN (session header = container = tag 1041) → crypto box verifies
 *                            ФПД/ФПС → decode + ФЛК → durable enqueue → signed ack
 *   broken container, signs that do not verify, queue or crypto box down → close without a reply: the FN keeps the
 *   document and re-sends it, which is the only safe answer when we cannot both store it and sign for it.
 *
 * A document that fails ФЛК is stored with its rule codes and acked with 1022 = 14 and 1206 bit 0x02; one that does not
 * decode at all is stored as raw bytes and acked with 1022 = 11 — never silently dropped, never left to block the FN.
 */
import { encodeReplyMessage, OfdResponseCode, OperatorMessageBits } from '../../protocol/ack.js';
import { CONTAINER_TYPE_REQUEST, decodeContainer, type Container } from '../../protocol/container.js';
import { ProtocolError } from '../../protocol/errors.js';
import { probeReply, type Frame } from '../../protocol/framer.js';
import type { SessionKind } from '../../protocol/session-header.js';
import { readTlvs } from '../../protocol/tlv.js';
import type { DocumentJob } from '../queue/jobs.js';
import type { CryptoBox } from '../adapters/crypto-box/crypto-box.js';
import { sessionFnMismatch } from '../domain/fiscal-drive-binding.js';
import { localUnixSeconds } from '../domain/local-time.js';
import { DOC_UNRECOGNISED } from '../domain/unrecognised-document.js';
import { GatewayErrorCodes } from '../net/close-codes.js';

/** fiscalDriveNumber: the FN a document names itself. */
const FN_TAG = 1041;

/** What decoding and ФЛК found in a verified document. */
export interface Inspection {
  /** False when the TLV could not be decoded at all (the document is kept raw, acked with 11). */
  recognised: boolean;
  /** FFD version from tag 1209, when present ("1.0" | "1.05" | "1.1" | "1.2"). */
  ffd: string | undefined;
  /** ФЛК rule codes that failed; empty = passed. */
  flkCodes: string[];
  /** Tag 1041 as the decoded document has it (undefined when absent or not decoded): saves a second TLV walk. */
  fiscalDriveNumber?: string | undefined;
}

export type Inspect = (
  documentTlv: Buffer,
  form: number,
  ctx: { fiscalDriveNumber: string; fiscalDocumentNumber: number; receivedAt: Date },
) => Inspection;

export interface MessageDeps {
  crypto: CryptoBox;
  enqueue: (job: DocumentJob) => Promise<unknown>;
  inspect: Inspect;
  operatorInn: string;
  ackUtcOffsetMinutes: number;
  /** Which session kinds this listener serves. */
  kinds: ReadonlySet<SessionKind>;
  now?: () => number;
  /** OFD_UNPAID_POLICY=stop: FNs of registers whose paid service is over (stored, not acknowledged). */
  unpaidFiscalDrives?: { has(fn: string): boolean };
}

export type MessageResult = 'accepted' | 'flk_failed' | 'unrecognised' | 'probe';

export type MessageOutcome =
  | { action: 'reply'; reply: Buffer; result: MessageResult; ofdResponseCode?: number; fn?: string; fd?: number }
  | { action: 'none'; result: MessageResult }
  | { action: 'close'; code: string; message: string; fn?: string; fd?: number };

export async function handleMessage(frame: Frame, deps: MessageDeps): Promise<MessageOutcome> {
  const { header } = frame;
  if (header.bodyLength === 0) {
    return header.flags.expectsReply ? { action: 'reply', reply: probeReply(frame), result: 'probe' } : { action: 'none', result: 'probe' };
  }
  if (!deps.kinds.has(header.kind)) {
    return { action: 'close', code: GatewayErrorCodes.GW_WRONG_LISTENER, message: `${header.kind} traffic on this listener` };
  }
  let container: Container;
  try {
    container = decodeContainer(frame.body);
  } catch (e) {
    if (e instanceof ProtocolError) return { action: 'close', code: e.code, message: e.message };
    throw e;
  }
  const fn = container.header.fiscalDriveNumber;
  const fd = container.header.fiscalDocumentNumber;
  if (container.header.containerType !== CONTAINER_TYPE_REQUEST) {
    return { action: 'close', code: GatewayErrorCodes.GW_WRONG_DIRECTION, message: 'reply container (5A) sent to the operator', fn, fd };
  }
  const sessionMismatch = sessionFnMismatch(header.fiscalDriveNumber, fn);
  if (sessionMismatch) return { action: 'close', code: GatewayErrorCodes.GW_FN_MISMATCH, message: sessionMismatch, fn, fd };
  return acceptDocument(frame, container, deps);
}

/** A request container bound to one FN: verify, inspect, enqueue durably, then sign and answer the ack. */
async function acceptDocument(frame: Frame, container: Container, deps: MessageDeps): Promise<MessageOutcome> {
  const { header } = frame;
  const fn = container.header.fiscalDriveNumber;
  const fd = container.header.fiscalDocumentNumber;
  let unwrapped;
  try {
    unwrapped = await deps.crypto.unwrap({ fiscalDriveNumber: header.fiscalDriveNumber || fn, container });
  } catch (e) {
    return { action: 'close', ...closeReason(e), fn, fd };
  }
  const form = container.header.documentType;
  const now = (deps.now ?? Date.now)();
  const inspection = deps.inspect(unwrapped.document, form, { fiscalDriveNumber: fn, fiscalDocumentNumber: fd, receivedAt: new Date(now) });
  // Checked before anything is enqueued; a decoded document names its FN already, only an undecodable one is walked again.
  const tagFn = inspection.recognised ? normaliseFn(inspection.fiscalDriveNumber) : fnOfDocument(unwrapped.document);
  if (tagFn !== undefined && tagFn !== fn) {
    return { action: 'close', code: GatewayErrorCodes.GW_FN_MISMATCH, message: `tag 1041 names FN ${tagFn}, the container FN ${fn}`, fn, fd };
  }
  const job: DocumentJob = {
    fn,
    fd,
    form,
    receivedAt: new Date(now).toISOString(),
    container: container.raw.toString('base64'),
    sessionHeader: frame.bytes.toString('base64', 0, 30),
    crypto: deps.crypto.mode,
    signStatus: unwrapped.signStatus,
    flk: { ok: inspection.recognised && inspection.flkCodes.length === 0, codes: inspection.recognised ? inspection.flkCodes : [DOC_UNRECOGNISED, ...inspection.flkCodes] },
  };
  try {
    await deps.enqueue(job);
  } catch (e) {
    return { action: 'close', ...closeReason(e), fn, fd };
  }
  if (deps.unpaidFiscalDrives?.has(fn)) {
    return { action: 'close', code: GatewayErrorCodes.GW_OFD_SERVICE_UNPAID, message: 'OFD service not paid: stored, not acknowledged', fn, fd };
  }
  const result: MessageResult = !inspection.recognised ? 'unrecognised' : inspection.flkCodes.length ? 'flk_failed' : 'accepted';
  return answerAck(frame, container, deps, now, result);
}

/** The signed ack of a stored document (1022 from its result). */
async function answerAck(frame: Frame, container: Container, deps: MessageDeps, now: number, result: MessageResult): Promise<MessageOutcome> {
  const { header } = frame;
  const fn = container.header.fiscalDriveNumber;
  const fd = container.header.fiscalDocumentNumber;
  const ofdResponseCode =
    result === 'accepted' ? OfdResponseCode.accepted : result === 'flk_failed' ? OfdResponseCode.flkFailed : OfdResponseCode.notRecognised;
  let signed;
  try {
    signed = await deps.crypto.signAck(header.fiscalDriveNumber || fn, {
      ofdInn: deps.operatorInn,
      fiscalDriveNumber: fn,
      fiscalDocumentNumber: fd,
      dateTime: localUnixSeconds(now, deps.ackUtcOffsetMinutes),
      ofdResponseCode,
      ...(result === 'flk_failed' ? { operatorMessage: OperatorMessageBits.flkError } : {}),
    });
  } catch (e) {
    // Stored but not acked: the FN re-sends, PostgreSQL keeps one copy per (fn, fd), and the next copy gets its ack.
    return { action: 'close', ...closeReason(e), fn, fd };
  }
  const reply = encodeReplyMessage(
    {
      kind: header.kind,
      pVersion: header.pVersion,
      fnRaw: header.fnRaw,
      serviceData1: container.header.serviceData1,
      fnBcd: container.header.fnBcd,
      fiscalDocumentNumber: fd,
    },
    signed.ackTlv,
    signed.messageSign,
    signed.serviceData2a,
  );
  return { action: 'reply', reply, result, ofdResponseCode, fn, fd };
}

/** Tag 1041 (fiscalDriveNumber) of a document's top level, trimmed; undefined when absent or not decodable. */
function fnOfDocument(document: Buffer): string | undefined {
  try {
    const [top] = readTlvs(document);
    if (!top) return undefined;
    const tag = readTlvs(top.value).find((t) => t.tag === FN_TAG);
    return tag === undefined ? undefined : normaliseFn(tag.value.toString('latin1'));
  } catch {
    // Not a TLV document: it is stored raw and acked with 11, bound by the session and container FNs alone.
    return undefined;
  }
}

function normaliseFn(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.replace(/[\s\0]+/g, '');
}

function closeReason(e: unknown): { code: string; message: string } {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') return { code: e.code, message };
  return { code: 'GW_INTERNAL', message };
}
