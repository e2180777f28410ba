import type { Kysely } from 'kysely';
import type { JsonObject } from '../../db/column-types.js';
import type { Database } from '../../db/database.js';
import type { DeadLetterInput } from '../../db/dead-letters.repository.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';

/** What a processor that sends to an external system (fns, crpt) is built from. */
export interface SendingProcessorDeps<C> {
  readonly db: Kysely<Database>;
  readonly client: C;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Send lease per document; must exceed the client's longest send. */
  readonly leaseMs?: number;
}

/** The failures of a job: retried by BullMQ with backoff, or parked in dead_letters (terminal, or out of attempts). */
export type FailedOutcome<E> = { readonly kind: 'retry'; readonly error: E } | { readonly kind: 'dead'; readonly error: E };

/** What a processor needs of a BullMQ job: plain data, so processors run (and are tested) without BullMQ. */
export interface JobRef {
  readonly id: string | undefined;
  readonly name: string;
  readonly data: unknown;
  /** 1-based number of this attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

/** What jobRefOf reads of a BullMQ job. */
export interface BullJobLike {
  readonly id?: string | undefined;
  readonly name: string;
  readonly data: unknown;
  readonly attemptsMade: number;
  readonly opts: { readonly attempts?: number };
}

/** The ref of a BullMQ job; `defaultAttempts` when the job was added without `attempts`. */
export function jobRefOf(job: BullJobLike, defaultAttempts: number): JobRef {
  return { id: job.id, name: job.name, data: job.data, attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? defaultAttempts };
}

/** A job's data as a dead letter stores it: an object as it is, anything else wrapped so that it is still kept. */
function payloadOf(data: unknown): JsonObject {
  return data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as JsonObject) : { data: (data ?? null) as JsonObject[string] };
}

/** The dead letter of a job that failed for good (terminal, or out of attempts) on `queue`. */
export function deadLetterOf(queue: string, job: JobRef, error: { readonly code: string; readonly message: string }): DeadLetterInput {
  return { queue, jobId: job.id ?? '', jobName: job.name, payload: payloadOf(job.data), errorCode: error.code, errorMessage: error.message, attempts: job.attempt };
}

/** BullMQ's lock and stalled-check settings, only those configured (BullMQ's own defaults otherwise). */
export function lockOptions(options: { readonly lockDurationMs?: number; readonly stalledIntervalMs?: number }): { lockDuration?: number; stalledInterval?: number } {
  return {
    ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
  };
}
