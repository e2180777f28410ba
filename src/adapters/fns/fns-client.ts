/**
 * The FNS port (architecture decision 7): what the fns worker needs from the tax service. The real adapter is
 * http-fns-client.ts (undici + cockatiel); tests and `ofd fake-fns` provide the other side.
 */
import type { FnsBatchResult, FnsDocumentSubmission } from './fns-api.js';

export interface FnsClient {
  /**
   * Sends one batch (≤ FNS_MAX_DOCUMENTS) and resolves with the FNS's answer per document. Rejects with an FnsError:
   * `retryable` says whether sending the same batch later can succeed.
   */
  send(batch: readonly FnsDocumentSubmission[]): Promise<FnsBatchResult>;
  /** Releases connections; idempotent. */
  close(): Promise<void>;
}

export type { CircuitStateName } from '../http/resilient-call.js';
