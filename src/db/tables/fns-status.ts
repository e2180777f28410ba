// FNS outcome per document (migration 0006_fns_status): one row per (fn, fd), written by the fns worker only, once it
// has an outcome; the send lease while a document is in flight is a row of fns_leases (migration 0072).
import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
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
/**
 * sending / retrying: on its way; the FNS's four answers: final; dead: parked in dead_letters. 'sending' is not written
 * since migration 0072 (a lease in fns_leases); readers still show it for a document in flight (fns-status-view.ts).
 */
export type FnsDeliveryStatus = (typeof fnsDeliveryStatuses)[number];

/** The FNS's answers: a document with one of them is never sent again. */
export const FNS_ANSWERED_STATUSES = ['accepted', 'accepted_with_warnings', 'rejected', 'quarantine'] as const;

/** The answers as an SQL list, for `status in (${FNS_ANSWERED_SQL})`. */
export const FNS_ANSWERED_SQL = sql.join(FNS_ANSWERED_STATUSES.map((s) => sql.lit(s)));

export function isFnsAnswered(status: FnsDeliveryStatus): boolean {
  return (FNS_ANSWERED_STATUSES as readonly string[]).includes(status);
}

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
  /** The FNS's findings per tag: failures (rejected) or warnings (accepted_with_warnings); null: none (migration 0074). */
  errors: Defaulted<Jsonb<FnsTagErrorJson[]> | null>;
  /** Requests that carried the document. */
  attempts: Defaulted<number>;
  last_error_code: string | null;
  last_error: string | null;
  /** Rows written as 'sending' before migration 0072 only (the lease is in fns_leases since). */
  lease_until: Timestamptz | null;
  /** As lease_until. */
  lease_owner: string | null;
  /** The latest request that carried it. */
  sent_at: Timestamptz | null;
  /** When the FNS's answer was stored. */
  answered_at: Timestamptz | null;
  /** The FNS answered that it already had the document (migration 0064); null until answered, and on older rows. */
  duplicate: boolean | null;
  updated_at: Defaulted<Timestamptz>;
}
export type FnsStatusRow = Selectable<FnsStatusTable>;

/**
 * The FNS's plain answers (migration 0080: accepted, nothing to say, on the first request), one row per request and
 * group of 64 key numbers: the documents whose document_keys row has fns_slot >> 6 = slot_group and fns_slot & 63 in
 * positions. Read through the view fns_outcomes, which spells each out as an fns_status row.
 */
export interface FnsPlainAnswersTable {
  slot_group: Int8;
  positions: number[];
  sent_at: Timestamptz;
  answered_at: Defaulted<Timestamptz>;
}

/** A status row's errors: none is stored as null since the release after migration 0074, as '[]' before. */
export function fnsErrorsOf(row: Pick<FnsStatusRow, 'errors'>): FnsTagErrorJson[] {
  return row.errors ?? [];
}

/** The send lease of a document in flight (migration 0072): inserted by the claim, deleted with the outcome. */
export interface FnsLeasesTable {
  fn: string;
  fd: Int8;
  /** No other worker sends the document before this instant. */
  lease_until: Timestamptz;
  /** The worker batch holding it: only it may record a failure while the lease lives. */
  lease_owner: string;
}
export type NewFnsStatusRow = Insertable<FnsStatusTable>;
export type FnsStatusUpdate = Updateable<FnsStatusTable>;
