// FNS outcome per document (migration 0006_fns_status): one row per (fn, fd), written by the fns worker only.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Defaulted, Int8, Jsonb, Timestamptz } from '../column-types.js';

export const fnsDeliveryStatuses = [
  'sending',
  'retrying',
  'accepted',
  'accepted_with_warnings',
  'rejected',
  'quarantine',
  'dead',
] as const;
/** sending / retrying: on its way; the FNS's four answers: final; dead: parked in dead_letters. */
export type FnsDeliveryStatus = (typeof fnsDeliveryStatuses)[number];

/** The FNS's answers: a document with one of them is never sent again. */
export const FNS_ANSWERED_STATUSES = ['accepted', 'accepted_with_warnings', 'rejected', 'quarantine'] as const;

export interface FnsTagErrorJson {
  [key: string]: string | number;
  tag: number;
  code: string;
  message: string;
}

export interface FnsStatusTable {
  fn: string;
  fd: Int8;
  status: FnsDeliveryStatus;
  /** The FNS's findings per tag: failures (rejected) or warnings (accepted_with_warnings). */
  errors: Defaulted<Jsonb<FnsTagErrorJson[]>>;
  /** Requests that carried the document. */
  attempts: Defaulted<number>;
  last_error_code: string | null;
  last_error: string | null;
  /** While status is 'sending': no other worker sends the document before this instant. */
  lease_until: Timestamptz | null;
  /** Which worker batch holds the lease: only it may turn 'sending' into 'retrying' / 'dead'. */
  lease_owner: string | null;
  /** The latest request that carried it. */
  sent_at: Timestamptz | null;
  /** When the FNS's answer was stored. */
  answered_at: Timestamptz | null;
  /** The FNS answered that it already had the document (migration 0064); null until answered, and on older rows. */
  duplicate: boolean | null;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type FnsStatusRow = Selectable<FnsStatusTable>;
export type NewFnsStatusRow = Insertable<FnsStatusTable>;
export type FnsStatusUpdate = Updateable<FnsStatusTable>;
