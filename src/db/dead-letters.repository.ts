// Dead letters (migration 0004): jobs parked after their last retry or a terminal failure, one row per (queue, job id);
// `ofd dlq list | replay` reads and marks them.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { JsonObject } from './column-types.js';
import type { Database } from './database.js';
import type { DeadLetter } from './tables/dead-letters.js';

export interface DeadLetterInput {
  readonly queue: string;
  readonly jobId: string;
  readonly jobName: string | null;
  /** The job's data (JSON; bytes as base64). */
  readonly payload: JsonObject;
  readonly errorCode: string;
  readonly errorMessage: string;
  /** Attempts made, this one included. */
  readonly attempts: number;
}

const MAX_MESSAGE = 2000;

/**
 * Parks jobs. A letter parked again (a replayed job that failed again) keeps its id and first_failed_at, takes the new
 * error and attempts, and is unmarked as replayed so it shows in `dlq list` again.
 */
export async function recordDeadLetters(
  db: Kysely<Database> | Transaction<Database>,
  letters: readonly DeadLetterInput[],
  at: Date = new Date(),
): Promise<void> {
  if (letters.length === 0) return;
  // One row per (queue, job id) per statement: ON CONFLICT cannot touch a row twice.
  const unique = new Map<string, DeadLetterInput>();
  for (const l of letters) unique.set(`${l.queue}\u0000${l.jobId}`, l);
  const rows = [...unique.values()].sort((a, b) => (a.queue + a.jobId < b.queue + b.jobId ? -1 : 1));
  await db
    .insertInto('dead_letters')
    .values(
      rows.map((l) => ({
        queue: l.queue,
        job_id: l.jobId,
        job_name: l.jobName,
        payload: JSON.stringify(l.payload),
        error_code: l.errorCode,
        error_message: l.errorMessage.slice(0, MAX_MESSAGE),
        attempts: l.attempts,
        first_failed_at: at,
        last_failed_at: at,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['queue', 'job_id']).doUpdateSet((eb) => ({
        job_name: eb.ref('excluded.job_name'),
        payload: eb.ref('excluded.payload'),
        error_code: eb.ref('excluded.error_code'),
        error_message: eb.ref('excluded.error_message'),
        attempts: eb.ref('excluded.attempts'),
        last_failed_at: eb.ref('excluded.last_failed_at'),
        replayed_at: sql<Date | null>`null`,
      })),
    )
    .execute();
}

export interface ListDeadLettersOptions {
  readonly queue?: string;
  /** Include letters already replayed. Default false: only the parked ones. */
  readonly includeReplayed?: boolean;
  /** Default 100. */
  readonly limit?: number;
}

/** Newest failures first. */
export function listDeadLetters(db: Kysely<Database>, opts: ListDeadLettersOptions = {}): Promise<DeadLetter[]> {
  let q = db.selectFrom('dead_letters').selectAll();
  if (opts.queue !== undefined) q = q.where('queue', '=', opts.queue);
  if (!opts.includeReplayed) q = q.where('replayed_at', 'is', null);
  return q
    .orderBy('last_failed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit ?? 100)
    .execute();
}

export function findDeadLetters(db: Kysely<Database>, ids: readonly number[]): Promise<DeadLetter[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('dead_letters').selectAll().where('id', 'in', [...ids]).orderBy('id').execute();
}

/** Marks letters as replayed (their jobs are back in the queue). */
export async function markDeadLettersReplayed(db: Kysely<Database>, ids: readonly number[], at: Date = new Date()): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('dead_letters')
    .set((eb) => ({ replayed_at: at, replay_count: eb('replay_count', '+', 1) }))
    .where('id', 'in', [...ids])
    .execute();
}
