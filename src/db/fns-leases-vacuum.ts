// Keeps fns_leases small (migration 0072). Every document sent to the FNS inserts a lease and deletes it a moment
// later, so the table is all dead rows but the few in flight, and a dead row's space is reused only once VACUUM has
// passed. Autovacuum visits a database once a minute at best (autovacuum_naptime), and some installations turn it off
// (this project's CI machine does): at 1 500 documents/s a minute of dead leases is ≈ 15 MB, without autovacuum one
// lease's ≈ 170 bytes for every document ever sent. So the fns worker vacuums the table itself, at most every
// `everyMs`, in the background: a few milliseconds for a table this size. `skip_locked`: when another worker's VACUUM
// is running, this one is skipped instead of waiting for it. `truncate false`: giving empty pages at the end back to
// the file system needs an exclusive lock, which claims arriving all the time would hold off (VACUUM retries for up to
// ≈ 5 s, a pooled connection held all along) and then briefly block; the pages are reused anyway.
// VACUUM by a role that does not own the table only warns, in the server's log: ownership is checked once instead.
// Before it, leases past their end are deleted: a worker that died (or whose job BullMQ gave up on) left them, nothing
// will delete them otherwise, and they hold nothing — a claim takes an ended lease over, and readers no longer show one
// as 'sending' (fns-status-view.ts).
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../observability/logger.js';
import type { Database } from './database.js';

export const DEFAULT_LEASE_VACUUM_MS = 3_000;

export interface LeaseVacuum {
  /** Called after each batch: deletes ended leases and starts a VACUUM when `everyMs` has passed since the last time. Never throws. */
  afterBatch(): void;
}

export function createLeaseVacuum(db: Kysely<Database>, logger: Logger, everyMs = DEFAULT_LEASE_VACUUM_MS): LeaseVacuum {
  let last = Date.now();
  let running: Promise<void> | undefined;
  let owner: boolean | undefined;
  let warned = false;
  const vacuum = async () => {
    // skip locked: a claim taking ended leases over locks them in (fn, fd) order; a delete waiting on them in its own
    // order could deadlock with it (and abort the claim's batch). What is skipped now goes next time.
    await sql`
      delete from fns_leases
       where (fn, fd) in (select fn, fd from fns_leases where lease_until < now() for update skip locked)`.execute(db);
    owner ??= await ownsLeases(db);
    if (!owner) return;
    await sql`vacuum (skip_locked, truncate false) fns_leases`.execute(db);
  };
  return {
    afterBatch() {
      if (running !== undefined || Date.now() - last < everyMs) return;
      last = Date.now();
      running = vacuum()
        .catch((e: unknown) => {
          logger.warn({ err: (e as Error).message }, 'vacuum of fns_leases failed; autovacuum must keep the table small');
        })
        .finally(() => {
          running = undefined;
          if (owner === false && !warned) {
            warned = true;
            logger.warn('fns_leases is not owned by this database role: the fns worker does not vacuum it; autovacuum must keep it small');
          }
        });
    },
  };
}

async function ownsLeases(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ owns: boolean }>`
    select pg_has_role(current_user, c.relowner, 'MEMBER') as owns from pg_class c where c.oid = 'fns_leases'::regclass
  `.execute(db);
  return rows[0]?.owns === true;
}
