/**
 * Preparing a document job for the persist transaction, no I/O: the payload validated (documentJobSchema), its
 * verification checked, its container decoded and derived (derive.ts). A job that fails here is a terminal error for that
 * job only (`PersistJobError`, returned, not thrown); the others go on.
 */
import { documentKey } from '../../db/document-batch.repository.js';
import type { PackedRaw } from '../../db/raw-container.js';
import { documentJobSchema, type DocumentJob } from '../../queue/jobs.js';
import { deriveDocument, DeriveError, DOC_UNRECOGNISED, type DerivedDocument } from './derive.js';
import { CodedError } from '../../domain/errors.js';

/** A job that can never succeed (bad payload, undecodable container): park it, do not retry. */
export type PersistJobErrorCode =
  | 'PERSIST_BAD_PAYLOAD'
  | 'PERSIST_BAD_CONTAINER'
  | 'PERSIST_KEY_MISMATCH'
  | 'PERSIST_SESSION_FN_MISMATCH'
  | 'PERSIST_UNVERIFIED'
  | 'PERSIST_REJECTED';

export class PersistJobError extends CodedError<PersistJobErrorCode> {
  override readonly name = 'PersistJobError';
}

export interface Prepared {
  readonly index: number;
  readonly job: DocumentJob;
  /** The container's bytes (decoded from the job's base64 once, for deriving and for the conflict check). */
  readonly raw: Buffer;
  readonly key: string;
  readonly derived: DerivedDocument;
}

/** A document to be stored, with its bytes packed for storage (persist.processor.ts, with its drive's context). */
export interface PreparedPacked extends Prepared {
  /**
   * Packed once per document, outside the transaction (≈ 60 µs each, which inside it would hold the registry rows'
   * locks for ≈ 60 ms per 1 000 documents).
   */
  readonly packed: PackedRaw;
}

/** The session header's FN field (protocol/session-header.ts: 16 bytes at offset 8, space or NUL padded). */
const SESSION_FN_START = 8;
const SESSION_FN_END = 24;

/**
 * The first stored copy of a document wins (decision 2), so only a document verified under its own fiscal drive may be
 * stored (issue 13 item 3): signs are checked with the key of the session header's FN, so a container naming another FN
 * was verified with the wrong key. `unverified` is only what OFD_CRYPTO=none produces. Such a job is parked, not stored.
 */
function verificationProblem(job: DocumentJob): PersistJobError | undefined {
  if (job.signStatus !== 'verified' && job.crypto !== 'none') {
    return new PersistJobError('PERSIST_UNVERIFIED', `document (${job.fn}, ${job.fd}) is ${job.signStatus} under crypto ${job.crypto}`);
  }
  if (job.sessionHeader !== undefined) {
    const header = Buffer.from(job.sessionHeader, 'base64');
    const sessionFn = header.length >= SESSION_FN_END ? header.toString('latin1', SESSION_FN_START, SESSION_FN_END).replace(/[\s\0]+/g, '') : '';
    if (sessionFn !== '' && sessionFn !== job.fn) {
      return new PersistJobError('PERSIST_SESSION_FN_MISMATCH', `document of FN ${job.fn} came in a session of FN ${sessionFn}: signs were checked with another drive's key`);
    }
  }
  return undefined;
}

export function prepare(index: number, payload: unknown): Prepared | PersistJobError {
  const parsed = documentJobSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return new PersistJobError('PERSIST_BAD_PAYLOAD', `invalid document job: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown'}`);
  }
  const job = parsed.data;
  const unverifiable = verificationProblem(job);
  if (unverifiable) return unverifiable;
  const raw = Buffer.from(job.container, 'base64');
  const derived = deriveDocument({
    fn: job.fn,
    fd: job.fd,
    receivedAt: job.receivedAt,
    form: job.form,
    raw,
    unrecognised: job.flk.codes.includes(DOC_UNRECOGNISED),
  });
  if (derived instanceof DeriveError) return new PersistJobError(derived.code, derived.message);
  return { index, job, raw, key: documentKey(job.fn, job.fd), derived };
}
