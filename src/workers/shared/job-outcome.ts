/**
 * What a processor's outcome means to BullMQ, for the workers that send to an external system (fns, crpt): a processor
 * returns a plain outcome (src/workers/fns/fns.processor.ts, src/workers/crpt/crpt.processor.ts) and its wiring turns
 * the ones that do not complete the job into BullMQ's signals:
 *
 *   deferred  → the job waits `delayMs` (another worker holds the send lease), no attempt used: DelayedError
 *   retry     → ofd_worker_jobs_total{result="failed"}, the error is thrown: BullMQ retries after its backoff
 *   dead      → ofd_worker_jobs_total{result="dead"}, UnrecoverableError (the processor has parked it already)
 */
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { QueueName } from '../../queue/queue-names.js';

export interface OutcomeContext {
  readonly queue: QueueName;
  readonly metrics?: Metrics | undefined;
  /** The job's logger. */
  readonly log: Logger;
}

/** The outcomes that do not complete the job; `error` is the processor's coded error (FnsError, CrptError). */
export type UnsettledOutcome =
  | { readonly kind: 'deferred'; readonly delayMs: number; readonly reason: string }
  | { readonly kind: 'retry'; readonly error: Error & { readonly code: string } }
  | { readonly kind: 'dead'; readonly error: Error & { readonly code: string }; readonly logDead?: boolean };

export function countCompleted(ctx: OutcomeContext, n = 1): void {
  ctx.metrics?.worker.jobs.inc({ queue: ctx.queue, result: 'completed' }, n);
}

/** Throws what tells BullMQ how the job goes on (never returns). */
export async function throwForOutcome(ctx: OutcomeContext, job: Job, token: string | undefined, outcome: UnsettledOutcome): Promise<never> {
  switch (outcome.kind) {
    case 'deferred':
      await job.moveToDelayed(Date.now() + outcome.delayMs, token);
      throw new DelayedError(outcome.reason);
    case 'retry':
      ctx.metrics?.worker.jobs.inc({ queue: ctx.queue, result: 'failed' });
      ctx.log.debug({ code: outcome.error.code, err: outcome.error.message }, `${ctx.queue} job will be retried`);
      throw outcome.error;
    case 'dead':
      ctx.metrics?.worker.jobs.inc({ queue: ctx.queue, result: 'dead' });
      if (outcome.logDead) ctx.log.warn({ code: outcome.error.code, err: outcome.error.message }, `${ctx.queue} job dead-lettered`);
      throw new UnrecoverableError(`${outcome.error.code}: ${outcome.error.message}`);
  }
}
