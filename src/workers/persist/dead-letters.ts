/**
 * Dead letters of the persist worker: a document that can never be stored is parked ALONE in `dead_letters`, as a batch
 * of one under its own id (`ofd dlq replay` re-adds it).
 */
import type { JsonObject } from '../../db/column-types.js';
import type { DeadLetterInput } from '../../db/dead-letters.repository.js';
import { documentJobId } from '../../queue/job-ids.js';
import { JobNames } from '../../queue/jobs.js';
import { QueueNames } from '../../queue/queue-names.js';

export function errorCode(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return e instanceof Error ? e.name : 'UNKNOWN';
}

/** The batch job a document came in: its id and the attempt (1-based) that failed it. */
export interface Origin {
  readonly jobId: string | undefined;
  readonly attempt: number;
}

/** The dead-letter id of one document: its (fn, fd) when the payload names them, else its place in the job. */
export function letterJobId(origin: Origin, index: number, doc: unknown): string {
  if (doc !== null && typeof doc === 'object' && 'fn' in doc && 'fd' in doc) {
    try {
      return documentJobId(String(doc.fn), Number(doc.fd));
    } catch {
      // not a valid (fn, fd): fall through
    }
  }
  return `job-${origin.jobId ?? 'unknown'}-${index}`;
}

export function letter(origin: Origin, index: number, doc: unknown, error: unknown): DeadLetterInput {
  return {
    queue: QueueNames.documents,
    jobId: letterJobId(origin, index, doc),
    jobName: JobNames.documents,
    // A batch of one: `ofd dlq replay` adds it back as it is.
    payload: { documents: [doc] } as unknown as JsonObject,
    errorCode: errorCode(error),
    errorMessage: error instanceof Error ? error.message : String(error),
    attempts: origin.attempt,
  };
}
