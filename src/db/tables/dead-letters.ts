// Dead letters (migration 0004): jobs parked after their last retry, one row per (queue, job id).
import type { GeneratedAlways, Insertable, Selectable, Updateable } from 'kysely';
import type { Defaulted, Jsonb, JsonObject, Timestamptz } from '../column-types.js';

export interface DeadLettersTable {
  id: GeneratedAlways<number>;
  queue: string;
  job_id: string;
  job_name: string | null;
  /** The job's data as JSON (job data never holds Buffers: they are base64). */
  payload: Jsonb<JsonObject>;
  error_code: string;
  error_message: string;
  attempts: number;
  first_failed_at: Timestamptz;
  last_failed_at: Timestamptz;
  /** Set when ops replay it; back to NULL if the replayed job is parked again. */
  replayed_at: Timestamptz | null;
  replay_count: Defaulted<number>;
}
export type DeadLetter = Selectable<DeadLettersTable>;
export type NewDeadLetter = Insertable<DeadLettersTable>;
export type DeadLetterUpdate = Updateable<DeadLettersTable>;
