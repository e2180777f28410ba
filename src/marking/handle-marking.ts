/**
 * One marking-channel message in → what to answer (spec §6). Pure of sockets (the loop is src/net/connection.ts):
 *
 *   empty message (probe)    → the header echoed with flags 0 and length 0 (when a reply is expected)
 *   form 81 (code check)     → CRPT asked within the budget → form 83 from its answer; CRPT slow, down or not
 *                              configured → form 83 "unable to check" (marking-forms.ts) — always inside the budget
 *   form 82 (notification)   → durably enqueued on `crpt` (job id mn-<FN>-n-<2002>), THEN form 84; the enqueue failing
 *                              → close without an answer (the FN keeps the notification and re-sends it)
 *   anything else, a broken container, a ФПС that does not verify → close without an answer, counted by the caller
 */
import { encodeReplyMessage } from '../../protocol/ack.js';
import { CONTAINER_TYPE_REQUEST, decodeContainer, type Container } from '../../protocol/container.js';
import { computeFps, deriveFnKey, DEVSIGN_SERVICE_DATA_2A, signsEqual } from '../../protocol/devsign.js';
import { probeReply, type Frame } from '../../protocol/framer.js';
import type { SessionKind } from '../../protocol/session-header.js';
import type { CodeCheckResult } from '../adapters/crpt/crpt-api.js';
import { sessionFnMismatch } from '../domain/fiscal-drive-binding.js';
import { localUnixSeconds } from '../domain/local-time.js';
import { GatewayErrorCodes } from '../net/close-codes.js';
import { CRPT_NOTIFICATION_JOB, markingNotificationJobId, type CrptNotificationJob } from '../queue/crpt-jobs.js';
import {
  CheckBits,
  encodeCodeCheckAnswer,
  encodeNotificationReceipt,
  FORM_CODE_CHECK,
  FORM_SALE_NOTIFICATION,
  gtinOf,
  OismItemAnswer,
  parseCodeCheckRequest,
  parseSaleNotification,
  type CodeCheckAnswer,
} from '../../protocol/marking-forms.js';

/** The permissive-mode rules give the OISM 1.5 s to answer a check. */
export const MARKING_CHECK_BUDGET_MS = 1500;
/** What is kept for ourselves out of the budget (signing, writing, the network). */
const BUDGET_MARGIN_MS = 300;

export const MARKING_KINDS: ReadonlySet<SessionKind> = new Set<SessionKind>(['oism', 'oismTest']);

export interface MarkingDeps {
  /** devsign master key: K_fn verifies the FN's ФПС and signs 83/84. */
  readonly masterKey: string;
  /** False only under OFD_CRYPTO=none (replaying captures): ФПС not checked. */
  readonly verifySigns: boolean;
  /** CRPT's code check; undefined = no CRPT configured (every check is answered "unable to check"). */
  readonly checkCodes?: (codes: readonly string[]) => Promise<readonly CodeCheckResult[]>;
  /** Durable enqueue of a sale notification under its deterministic job id; resolves once Redis has it. */
  readonly enqueueNotification: (name: string, jobId: string, job: CrptNotificationJob) => Promise<unknown>;
  readonly budgetMs?: number;
  readonly utcOffsetMinutes: number;
  readonly now?: () => number;
}

export type MarkingResult = 'probe' | 'checked' | 'unable_to_check' | 'bad_request' | 'notification' | 'bad_notification';

export type MarkingOutcome =
  | { action: 'reply'; reply: Buffer; result: MarkingResult; fn?: string }
  | { action: 'none'; result: MarkingResult }
  | { action: 'close'; code: string; message: string; fn?: string };

/** Resolves with CRPT's answer, or undefined when it fails or takes longer than `ms`. */
async function withinBudget<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms))));
  try {
    return await Promise.race([p.catch(() => undefined), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function reply(frame: Frame, container: Container, signed: { tlv: Buffer; fpp: Buffer }): Buffer {
  return encodeReplyMessage(
    {
      kind: frame.header.kind,
      pVersion: frame.header.pVersion,
      fnRaw: frame.header.fnRaw,
      serviceData1: container.header.serviceData1,
      fnBcd: container.header.fnBcd,
      fiscalDocumentNumber: container.header.fiscalDocumentNumber,
    },
    signed.tlv,
    signed.fpp,
    DEVSIGN_SERVICE_DATA_2A,
  );
}

export async function handleMarkingMessage(frame: Frame, deps: MarkingDeps, receivedAtMs?: number): Promise<MarkingOutcome> {
  const now = deps.now ?? Date.now;
  const started = receivedAtMs ?? now();
  const { header } = frame;
  if (header.bodyLength === 0) {
    return header.flags.expectsReply ? { action: 'reply', reply: probeReply(frame), result: 'probe' } : { action: 'none', result: 'probe' };
  }
  if (!MARKING_KINDS.has(header.kind)) return { action: 'close', code: 'GW_WRONG_LISTENER', message: `${header.kind} traffic on the marking listener` };
  let container: Container;
  try {
    container = decodeContainer(frame.body);
  } catch (e) {
    return { action: 'close', code: (e as { code?: string }).code ?? 'PROTO_BAD_CONTAINER', message: (e as Error).message };
  }
  const fn = container.header.fiscalDriveNumber;
  if (container.header.containerType !== CONTAINER_TYPE_REQUEST) {
    return { action: 'close', code: 'GW_WRONG_DIRECTION', message: 'reply container (5A) sent to the operator', fn };
  }
  const mismatch = sessionFnMismatch(header.fiscalDriveNumber, fn);
  if (mismatch) return { action: 'close', code: GatewayErrorCodes.GW_FN_MISMATCH, message: mismatch, fn };
  const form = container.header.documentType;
  if (form !== FORM_CODE_CHECK && form !== FORM_SALE_NOTIFICATION) {
    return { action: 'close', code: 'MARKING_UNKNOWN_FORM', message: `form ${form} on the marking listener`, fn };
  }
  const kFn = deriveFnKey(deps.masterKey, header.fiscalDriveNumber || fn);
  if (deps.verifySigns && !signsEqual(container.messageSign, computeFps(kFn, container.document))) {
    return { action: 'close', code: 'CRYPTO_BAD_MESSAGE_SIGN', message: 'ФПС does not verify', fn };
  }
  const dateTime = localUnixSeconds(now(), deps.utcOffsetMinutes);
  return form === FORM_CODE_CHECK
    ? answerCodeCheck(frame, container, deps, kFn, dateTime, started)
    : acceptNotification(frame, container, deps, kFn, started);
}

/** Form 81 → form 83: CRPT's answer within the budget, or "unable to check". */
async function answerCodeCheck(
  frame: Frame,
  container: Container,
  deps: MarkingDeps,
  kFn: Buffer,
  dateTime: number,
  started: number,
): Promise<MarkingOutcome> {
  const fn = container.header.fiscalDriveNumber;
  const now = deps.now ?? Date.now;
  let request;
  try {
    request = parseCodeCheckRequest(container.document);
  } catch {
    const requestNumber = 0;
    const answer: CodeCheckAnswer = { requestNumber, processingCode: 1, results: 0, itemAnswer: undefined, codeType: undefined, productId: undefined, dateTime };
    return { action: 'reply', reply: reply(frame, container, encodeCodeCheckAnswer(answer, kFn)), result: 'bad_request', fn };
  }
  const fnBits = (request.fnCheckResult ?? 0) & (CheckBits.fnChecked | CheckBits.fnPositive);
  const budget = (deps.budgetMs ?? MARKING_CHECK_BUDGET_MS) - BUDGET_MARGIN_MS - (now() - started);
  const answer = deps.checkCodes ? await withinBudget(deps.checkCodes([request.code]), budget) : undefined;
  const found = answer?.find((a) => a.cis === request.code) ?? answer?.[0];
  const base = { requestNumber: request.requestNumber, codeType: request.codeType, productId: gtinOf(request.code), dateTime };
  let out: CodeCheckAnswer;
  let result: MarkingResult;
  if (!found) {
    out = { ...base, processingCode: 0, results: fnBits, itemAnswer: undefined };
    result = 'unable_to_check';
  } else if (found.status === 'UNKNOWN') {
    out = { ...base, processingCode: 2, results: fnBits | CheckBits.oismChecked, itemAnswer: undefined };
    result = 'checked';
  } else {
    const itemAnswer = found.status === 'INTRODUCED' ? OismItemAnswer.correct : found.status === 'BLOCKED' ? OismItemAnswer.suspended : OismItemAnswer.incorrect;
    out = { ...base, processingCode: 0, results: fnBits | CheckBits.oismChecked | (itemAnswer === OismItemAnswer.correct ? CheckBits.oismPositive : 0), itemAnswer };
    result = 'checked';
  }
  return { action: 'reply', reply: reply(frame, container, encodeCodeCheckAnswer(out, kFn)), result, fn };
}

/** Form 82 → durably enqueued on `crpt`, then form 84. */
async function acceptNotification(frame: Frame, container: Container, deps: MarkingDeps, kFn: Buffer, started: number): Promise<MarkingOutcome> {
  const fn = container.header.fiscalDriveNumber;
  let notification;
  try {
    notification = parseSaleNotification(container.document);
  } catch {
    const receipt = encodeNotificationReceipt({ notificationNumber: 0, result: 1, processingCode: 1 }, kFn);
    return { action: 'reply', reply: reply(frame, container, receipt), result: 'bad_notification', fn };
  }
  if (notification.entries.length === 0) {
    const receipt = encodeNotificationReceipt({ notificationNumber: notification.notificationNumber, result: 1, processingCode: 1 }, kFn);
    return { action: 'reply', reply: reply(frame, container, receipt), result: 'bad_notification', fn };
  }
  const job: CrptNotificationJob = {
    fn,
    notificationNumber: notification.notificationNumber,
    container: container.raw.toString('base64'),
    receivedAt: new Date(started).toISOString(),
  };
  try {
    await deps.enqueueNotification(CRPT_NOTIFICATION_JOB, markingNotificationJobId(fn, notification.notificationNumber), job);
  } catch (e) {
    return { action: 'close', code: (e as { code?: string }).code ?? 'QUEUE_UNAVAILABLE', message: (e as Error).message, fn };
  }
  const receipt = encodeNotificationReceipt({ notificationNumber: notification.notificationNumber, result: 0, processingCode: 0 }, kFn);
  return { action: 'reply', reply: reply(frame, container, receipt), result: 'notification', fn };
}
