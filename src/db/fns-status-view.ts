// A document's FNS status as readers show it. Since migration 0072 a document in flight has a lease in fns_leases and
// no fns_status row yet (or its earlier 'retrying' row): it is shown 'sending', as when the lease was a status of its
// own. An answer always shows, lease or not (a claim that finds the answer releases its lease a moment later). A lease
// past its end is no send in flight: its worker died or gave up before recording anything (the next claim takes the
// lease over). The document shows what it had before — 'retrying', or not sent — rather than 'sending' for ever.
import { sql, type Kysely, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type { Database } from './database.js';
import { FNS_ANSWERED_SQL, isFnsAnswered, type FnsDeliveryStatus, type FnsLeasesTable, type FnsStatusRow } from './tables/fns-status.js';

/**
 * The status shown, for a query joining fns_outcomes (fns_status and the plain answers of fns_plain_answers, migration 0080)
 * as fns_status, and fns_leases (left joins); null: not sent.
 */
export const fnsStatusShown: RawBuilder<FnsDeliveryStatus | null> = sql<FnsDeliveryStatus | null>`
  case when fns_status.status in (${FNS_ANSWERED_SQL}) then fns_status.status
       when fns_leases.lease_until >= now() then 'sending'
       else fns_status.status end`;

/** The list filter on the shown status ('not_sent': no status and no lease). */
export function fnsStatusShownIs(status: FnsDeliveryStatus | 'not_sent'): RawBuilder<SqlBool> {
  return status === 'not_sent' ? sql<SqlBool>`(${fnsStatusShown}) is null` : sql<SqlBool>`(${fnsStatusShown}) = ${status}`;
}

type Lease = Pick<Selectable<FnsLeasesTable>, 'lease_until' | 'lease_owner'>;

/** One document's status row as shown: 'sending' with the lease while in flight and unanswered (`lease`: a live one). */
export function fnsStatusWithLease(fn: string, fd: number, row: FnsStatusRow | undefined, lease: Lease | undefined): FnsStatusRow | undefined {
  if (lease === undefined || (row && isFnsAnswered(row.status))) return row;
  const base: FnsStatusRow = row ?? {
    fn,
    fd,
    status: 'sending',
    errors: null,
    attempts: 0,
    last_error_code: null,
    last_error: null,
    lease_until: null,
    lease_owner: null,
    sent_at: null,
    answered_at: null,
    duplicate: null,
    updated_at: lease.lease_until,
  };
  return { ...base, status: 'sending', lease_until: lease.lease_until, lease_owner: lease.lease_owner };
}

/**
 * One document's status row as shown, its row and its lease read in one statement (two reads could fall either side of
 * an answer's commit, which deletes the lease: the document would show as never sent).
 */
export async function findFnsStatusShown(db: Kysely<Database>, fn: string, fd: number): Promise<FnsStatusRow | undefined> {
  const { rows } = await sql<FnsStatusRow & { held_until: Date | null; held_by: string | null; found: boolean }>`
    select s.*, s.fn is not null as found, l.lease_until as held_until, l.lease_owner as held_by
      from (select ${fn}::text as fn, ${fd}::bigint as fd) k
      left join fns_outcomes s on s.fn = k.fn and s.fd = k.fd
      left join fns_leases l on l.fn = k.fn and l.fd = k.fd and l.lease_until >= now()
  `.execute(db);
  const r = rows[0];
  if (r === undefined) return undefined;
  const { held_until: heldUntil, held_by: heldBy, found, ...row } = r;
  const lease = heldUntil !== null && heldBy !== null ? { lease_until: heldUntil, lease_owner: heldBy } : undefined;
  return fnsStatusWithLease(fn, fd, found ? row : undefined, lease);
}
