// A document's FNS status as readers show it. Since migration 0072 a document in flight has a lease in fns_leases and
// no fns_status row yet (or its earlier 'retrying' row): it is shown 'sending', as when the lease was a status of its
// own. An answer always shows, lease or not (a claim that finds the answer releases its lease a moment later).
import { sql, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import { FNS_ANSWERED_STATUSES, type FnsDeliveryStatus, type FnsLeasesTable, type FnsStatusRow } from './tables/fns-status.js';

const ANSWERED = sql.join(FNS_ANSWERED_STATUSES.map((s) => sql.lit(s)));

/** The status shown, for a query joining fns_status and fns_leases (left joins) under those names; null: not sent. */
export const fnsStatusShown: RawBuilder<FnsDeliveryStatus | null> = sql<FnsDeliveryStatus | null>`
  case when fns_status.status in (${ANSWERED}) then fns_status.status
       when fns_leases.fn is not null then 'sending'
       else fns_status.status end`;

/** The list filter on the shown status ('not_sent': no status and no lease). */
export function fnsStatusShownIs(status: FnsDeliveryStatus | 'not_sent'): RawBuilder<SqlBool> {
  return status === 'not_sent' ? sql<SqlBool>`(${fnsStatusShown}) is null` : sql<SqlBool>`(${fnsStatusShown}) = ${status}`;
}

type Lease = Pick<Selectable<FnsLeasesTable>, 'lease_until' | 'lease_owner'>;

/** One document's status row as shown: 'sending' with the lease while in flight and unanswered. */
export function fnsStatusWithLease(fn: string, fd: number, row: FnsStatusRow | undefined, lease: Lease | undefined): FnsStatusRow | undefined {
  if (lease === undefined || (row && (FNS_ANSWERED_STATUSES as readonly string[]).includes(row.status))) return row;
  const base: FnsStatusRow = row ?? {
    fn,
    fd,
    status: 'sending',
    errors: [],
    attempts: 0,
    last_error_code: null,
    last_error: null,
    lease_until: null,
    lease_owner: null,
    sent_at: null,
    answered_at: null,
    duplicate: null,
    created_at: lease.lease_until,
    updated_at: lease.lease_until,
  };
  return { ...base, status: 'sending', lease_until: lease.lease_until, lease_owner: lease.lease_owner };
}
