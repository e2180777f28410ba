/**
 * Deterministic job ids (architecture §1, decision 2): the same document always maps to the same id, so BullMQ turns a
 * re-send into a no-op add. The id is never a plain integer (BullMQ reserves those for its own counter) and has no ':'
 * (a Redis key separator).
 */
import { QueueError, QueueErrorCodes } from './errors.js';

/** FN numbers are 16 decimal digits (spec §2.1, after removing F padding). */
const FN_PATTERN = /^\d{16}$/;
/** The FD number is a uint32 on the wire; FD 0 does not exist (numbering starts at 1). */
const MAX_FD = 0xffff_ffff;

export function assertFiscalDriveNumber(fn: string): void {
  if (!FN_PATTERN.test(fn)) {
    throw new QueueError(QueueErrorCodes.QUEUE_BAD_JOB_ID, `FN must be 16 digits, got ${JSON.stringify(fn)}`);
  }
}

export function assertFiscalDocumentNumber(fd: number): void {
  if (!Number.isInteger(fd) || fd < 1 || fd > MAX_FD) {
    throw new QueueError(QueueErrorCodes.QUEUE_BAD_JOB_ID, `FD must be an integer 1–${MAX_FD}, got ${fd}`);
  }
}

/** `fn-<FN>-fd-<FD>`: the id of a document in every queue that carries one job per document. */
export function documentJobId(fn: string, fd: number): string {
  assertFiscalDriveNumber(fn);
  assertFiscalDocumentNumber(fd);
  return `fn-${fn}-fd-${fd}`;
}

const DOCUMENT_JOB_ID = /^fn-(\d{16})-fd-(\d{1,10})$/;

/** The (fn, fd) of a document job id, or undefined when the id is not one. */
export function parseDocumentJobId(jobId: string): { fn: string; fd: number } | undefined {
  const match = DOCUMENT_JOB_ID.exec(jobId);
  if (!match?.[1] || !match[2]) return undefined;
  const fd = Number(match[2]);
  return fd >= 1 && fd <= MAX_FD ? { fn: match[1], fd } : undefined;
}

/** A notification is per document and channel: one e-mail and one SMS for the same receipt are two jobs. */
export function notifyJobId(fn: string, fd: number, channel: string): string {
  if (!/^[a-z]+$/.test(channel)) {
    throw new QueueError(QueueErrorCodes.QUEUE_BAD_JOB_ID, `notify channel must be lower-case letters, got ${JSON.stringify(channel)}`);
  }
  return `${documentJobId(fn, fd)}-${channel}`;
}
