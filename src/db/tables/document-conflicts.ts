// Conflicting copies (migration 0017): a later copy of a stored (fn, fd) whose bytes differ from the stored one.
import type { GeneratedAlways, Selectable } from 'kysely';
import type { Defaulted, Int8, Timestamptz } from '../column-types.js';

export interface DocumentConflictsTable {
  id: GeneratedAlways<Int8>;
  fn: string;
  fd: Int8;
  /** SHA-256 of raw_container: one row per distinct divergent copy. */
  raw_sha256: Buffer;
  /** The divergent copy's container bytes, as received. */
  raw_container: Buffer;
  session_header: Buffer | null;
  sign_status: string;
  crypto: string;
  /** received_at of the stored (winning) copy. */
  stored_received_at: Timestamptz;
  first_received_at: Timestamptz;
  last_received_at: Timestamptz;
  /** How many times these bytes arrived. */
  copies: Defaulted<number>;
  detected_at: Defaulted<Timestamptz>;
}
export type DocumentConflict = Selectable<DocumentConflictsTable>;
