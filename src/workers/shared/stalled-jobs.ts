/**
 * Jobs BullMQ gives up for stalling. A job whose worker died holding it, more often than maxStalledCount allows, is
 * marked by the stalled check, and the next worker that takes it fails it at once, with an UnrecoverableError, without
 * running its processor: whatever the processor would have parked on its own failure stays in BullMQ's failed set,
 * sent to no one. Each sending worker's 'failed' listener parks such a job's work in dead_letters instead
 * (fns: fns-jobs.ts parkStalledJob; crpt: crpt-stalled.ts; notify: notify-stalled.ts; persist: dead-letters.ts).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.js';

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
