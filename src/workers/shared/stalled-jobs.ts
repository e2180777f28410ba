/**
 * Jobs BullMQ gives up for stalling. A job whose worker died holding it, more often than maxStalledCount allows, is
 * marked by the stalled check, and the next worker that takes it fails it at once, with an UnrecoverableError, without
 * running its processor: whatever the processor would have parked on its own failure stays in BullMQ's failed set,
 * sent to no one. Each sending worker's 'failed' listener parks such a job's work in dead_letters instead
 * (fns: fns-jobs.ts parkStalledJob; crpt: crpt-stalled.ts; notify: notify-stalled.ts; persist: dead-letters.ts).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DeadLetterInput } from '../../db/dead-letters.repository.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { QueueName } from '../../queue/queue-names.js';
import { deadLetterOf, jobRefOf, type BullJobLike } from './job-ref.js';

/** BullMQ's failure reason for such a job. */
export const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/** The dead-letter code of a job parked for stalling. */
export const JOB_STALLED = 'JOB_STALLED';

export function stalledTooOften(error: Error): boolean {
  return error.message === STALLED_TOO_OFTEN;
}

/**
 * Of `jobIds`, those with a dead letter of `queue` not replayed since: parked already (by the processor, with its own
 * error, or by an earlier listener). A replayed letter's job is running again, so its stall parks it again.
 */
export async function parkedJobIds(db: Kysely<Database>, queue: string, jobIds: readonly string[]): Promise<Set<string>> {
  if (jobIds.length === 0) return new Set();
  const { rows } = await sql<{ job_id: string }>`
    select job_id from dead_letters where queue = ${queue} and job_id = any(${jobIds}::text[]) and replayed_at is null`.execute(db);
  return new Set(rows.map((r) => r.job_id));
}

/**
 * A one-document job's 'failed' listener (crpt, notify): for a job given up for stalling and not parked already,
 * `park` writes its letter (JOB_STALLED) with whatever else the queue records, and says whether it parked anything
 * (false: the work was done after all). Never throws.
 */
export async function parkWhenStalled(
  deps: { readonly db: Kysely<Database>; readonly log: Logger; readonly metrics?: Metrics | undefined },
  queue: QueueName,
  job: BullJobLike,
  error: Error,
  defaultAttempts: number,
  park: (letter: DeadLetterInput) => Promise<boolean>,
): Promise<void> {
  if (!stalledTooOften(error)) return;
  const letter = deadLetterOf(queue, jobRefOf(job, defaultAttempts), { code: JOB_STALLED, message: error.message });
  try {
    if ((await parkedJobIds(deps.db, queue, [letter.jobId])).size > 0) return;
    if (!(await park(letter))) return;
    deps.metrics?.worker.jobs.inc({ queue, result: 'dead' });
    deps.log.warn({ jobId: job.id }, `${queue} job stalled too often: parked as a dead letter`);
  } catch (e) {
    deps.log.error({ jobId: job.id, err: (e as Error).message }, 'could not write the dead letter');
  }
}
