/**
 * Retries per item of a batch job (an fns document, a crpt sale), not per job: the items of a batch that must be tried
 * again go back as a smaller batch job, delayed by the backoff of their own attempt count, as BullMQ would have
 * delayed a job of their own (../queue/fns-jobs.ts, ../queue/crpt-jobs.ts).
 */
import type { DefaultJobOptions } from 'bullmq';

export interface DocumentRetryPolicy {
  /** Attempts per item. */
  readonly attempts: number;
  /** First backoff; doubled per further attempt. */
  readonly backoffMs: number;
}

/** A queue's per-job BullMQ options as a per-item policy: the same attempts and first backoff. */
export function retryPolicyOf(options: DefaultJobOptions): DocumentRetryPolicy {
  return {
    attempts: options.attempts ?? 1,
    backoffMs: typeof options.backoff === 'object' ? (options.backoff.delay ?? 5000) : (options.backoff ?? 5000),
  };
}

/** BullMQ's exponential backoff, per item: after its n-th failed attempt, wait backoffMs × 2^(n−1). */
export function documentBackoffMs(policy: DocumentRetryPolicy, attemptsMade: number): number {
  return policy.backoffMs * 2 ** Math.max(0, attemptsMade - 1);
}
