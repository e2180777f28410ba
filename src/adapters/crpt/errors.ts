import { codeTable, ExternalError, type CodeOf } from '../../domain/errors.js';

/**
 * Failures of CRPT forwarding and code checks, one catalogue for the client, the worker and the marking listener.
 *
 * Retryable: CRPT_TIMEOUT, CRPT_UNAVAILABLE (connection refused/reset), CRPT_SERVER_ERROR (5xx, 408, 429),
 * CRPT_CIRCUIT_OPEN (no request made), CRPT_BAD_RESPONSE (a 2xx that is not the contract's answer), CRPT_AUTH_FAILED
 * (the token was refused: a fresh challenge may succeed), CRPT_IN_FLIGHT (another worker holds the send lease).
 * Terminal: CRPT_BAD_REQUEST (400/422), CRPT_REFUSED (other 4xx), CRPT_BAD_JOB, CRPT_DOCUMENT_NOT_FOUND,
 * CRPT_NOT_CONFIGURED.
 */
export const CrptErrorCodes = codeTable(
  'CRPT_TIMEOUT',
  'CRPT_UNAVAILABLE',
  'CRPT_SERVER_ERROR',
  'CRPT_CIRCUIT_OPEN',
  'CRPT_BAD_RESPONSE',
  'CRPT_AUTH_FAILED',
  'CRPT_IN_FLIGHT',
  'CRPT_BAD_REQUEST',
  'CRPT_REFUSED',
  'CRPT_BAD_JOB',
  'CRPT_DOCUMENT_NOT_FOUND',
  'CRPT_NOT_CONFIGURED',
);

export type CrptErrorCode = CodeOf<typeof CrptErrorCodes>;

const RETRYABLE: ReadonlySet<CrptErrorCode> = new Set<CrptErrorCode>([
  'CRPT_TIMEOUT', 'CRPT_UNAVAILABLE', 'CRPT_SERVER_ERROR', 'CRPT_CIRCUIT_OPEN', 'CRPT_BAD_RESPONSE', 'CRPT_AUTH_FAILED', 'CRPT_IN_FLIGHT',
]);

export class CrptError extends ExternalError<CrptErrorCode> {
  override readonly name = 'CrptError';
  readonly status: number | undefined;
  /** False when no request left this process (circuit open, bad job). */
  readonly requestSent: boolean;

  constructor(code: CrptErrorCode, message: string, details: { status?: number; requestSent?: boolean; cause?: unknown } = {}) {
    super(code, message, RETRYABLE.has(code), details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.requestSent = details.requestSent ?? true;
  }
}

export function isCrptError(e: unknown): e is CrptError {
  return e instanceof CrptError;
}
