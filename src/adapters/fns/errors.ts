import { codeTable, ExternalError, type CodeOf } from '../../domain/errors.js';

/**
 * Failures of FNS forwarding, one catalogue for the client and the worker. Codes are stable: fns_status.last_error_code,
 * dead_letters.error_code, logs and tests use them.
 *
 * Retryable (the document may be sent again later; BullMQ retries the job with backoff):
 * - FNS_TIMEOUT          no answer within the request timeout (the FNS may still have processed the batch)
 * - FNS_UNAVAILABLE      connection refused / reset / DNS failure: the request may or may not have arrived
 * - FNS_SERVER_ERROR     HTTP 5xx (and 408): the FNS says nothing about what it processed
 * - FNS_RATE_LIMITED     HTTP 429; retryAfterMs holds the FNS's Retry-After when it sent one. Nothing was processed
 * - FNS_CIRCUIT_OPEN     the circuit breaker is open after repeated failures: no request was made
 * - FNS_BAD_RESPONSE     a 2xx whose body is not the contract's answer (a proxy's page, a truncated body)
 * - FNS_NO_ANSWER        the FNS answered the batch but not for this document
 * - FNS_IN_FLIGHT        another worker holds the document's send lease (it is being sent right now): deferred
 *
 * Terminal (the job is parked in dead_letters at once; `ofd dlq replay` sends it again once the cause is fixed):
 * - FNS_BAD_REQUEST      HTTP 400/413/422: the FNS refused the request or, with `documents`, the listed documents
 * - FNS_REFUSED          any other 4xx (401, 403, 404, …): configuration, not data — every document would fail alike
 * - FNS_BAD_JOB          the job's payload is not an FnsJob
 * - FNS_DOCUMENT_NOT_FOUND     no stored document for the job's (fn, fd)
 * - FNS_DOCUMENT_UNDECODABLE   the stored raw container does not decode (stored with DOC_UNRECOGNISED, or corrupt)
 * - FNS_NOT_CONFIGURED   neither an FNS URL nor a client was given to the worker
 */
export const FnsErrorCodes = codeTable(
  'FNS_TIMEOUT',
  'FNS_UNAVAILABLE',
  'FNS_SERVER_ERROR',
  'FNS_RATE_LIMITED',
  'FNS_CIRCUIT_OPEN',
  'FNS_BAD_RESPONSE',
  'FNS_NO_ANSWER',
  'FNS_IN_FLIGHT',
  'FNS_BAD_REQUEST',
  'FNS_REFUSED',
  'FNS_BAD_JOB',
  'FNS_DOCUMENT_NOT_FOUND',
  'FNS_DOCUMENT_UNDECODABLE',
  'FNS_NOT_CONFIGURED',
);

export type FnsErrorCode = CodeOf<typeof FnsErrorCodes>;

const RETRYABLE: ReadonlySet<FnsErrorCode> = new Set<FnsErrorCode>([
  'FNS_TIMEOUT', 'FNS_UNAVAILABLE', 'FNS_SERVER_ERROR', 'FNS_RATE_LIMITED', 'FNS_CIRCUIT_OPEN', 'FNS_BAD_RESPONSE', 'FNS_NO_ANSWER', 'FNS_IN_FLIGHT',
]);

export function isRetryableCode(code: FnsErrorCode): boolean {
  return RETRYABLE.has(code);
}

/** A document the FNS named as the reason it refused a request (400 BAD_DOCUMENT). */
export interface FnsRefusedDocument {
  readonly fn: string;
  readonly fd: number;
  readonly code: string;
  readonly message: string;
}

export interface FnsErrorDetails {
  /** The HTTP status, when there was an answer. */
  readonly status?: number;
  /** From a 429's Retry-After header. */
  readonly retryAfterMs?: number;
  /** False when no request left this process (circuit open, bad job): the attempt is not counted as a send. */
  readonly requestSent?: boolean;
  /** 400 BAD_DOCUMENT: the documents the FNS blamed. */
  readonly documents?: readonly FnsRefusedDocument[];
  readonly cause?: unknown;
}

export class FnsError extends ExternalError<FnsErrorCode> {
  override readonly name = 'FnsError';
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly requestSent: boolean;
  readonly documents: readonly FnsRefusedDocument[] | undefined;

  constructor(code: FnsErrorCode, message: string, details: FnsErrorDetails = {}) {
    super(code, message, isRetryableCode(code), details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.requestSent = details.requestSent ?? true;
    this.documents = details.documents;
  }
}

export function isFnsError(e: unknown): e is FnsError {
  return e instanceof FnsError;
}
