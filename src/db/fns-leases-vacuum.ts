// Keeps fns_leases small (migration 0072). Every document sent to the FNS inserts a lease and deletes it a moment
// later, so the table is all dead rows but the few in flight: at 1 500 documents/s a minute of dead leases is ≈ 15 MB,
// without autovacuum one lease's ≈ 170 bytes for every document ever sent. So the fns worker vacuums the table itself
// (table-vacuum.ts). Before it, leases past their end are deleted: a worker that died (or whose job BullMQ gave up on)
// left them, nothing will delete them otherwise, and they hold nothing — a claim takes an ended lease over, and readers
// no longer show one as 'sending' (fns-status-view.ts). Once no lease is left (drained-table.ts) the VACUUM also
// gives the empty pages back and cleans the index up, and a bloated primary key is rebuilt: after a burst the table
// kept its largest size (≈ 12 bytes per document sent in an end-to-end run) with no row in it.
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../observability/logger.js';
import type { Database } from './database.js';
import { drainedUpkeep } from './drained-table.js';
import { createTableVacuum, type TableVacuum } from './table-vacuum.js';

export const DEFAULT_LEASE_VACUUM_MS = 3_000;

export type LeaseVacuum = TableVacuum;

export function createLeaseVacuum(db: Kysely<Database>, logger: Logger, everyMs = DEFAULT_LEASE_VACUUM_MS): LeaseVacuum {
  const upkeep = drainedUpkeep(db, 'fns_leases');
  return createTableVacuum(db, logger, {
    table: 'fns_leases',
    by: 'the fns worker',
    everyMs,
    // Truncation only once no lease is left (plan): under load, claims insert leases all the time.
    plan: upkeep.plan,
    after: upkeep.shrinkKey,
    // skip locked: a claim taking ended leases over locks them in (fn, fd) order; a delete waiting on them in its own
    // order could deadlock with it (and abort the claim's batch). What is skipped now goes next time.
    before: () =>
      sql`
        delete from fns_leases
         where (fn, fd) in (select fn, fd from fns_leases where lease_until < now() for update skip locked)`.execute(db),
  });
}
