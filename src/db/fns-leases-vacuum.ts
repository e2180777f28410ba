// Keeps fns_leases small (migration 0072). Every document sent to the FNS inserts a lease and deletes it a moment
// later, so the table is all dead rows but the few in flight, and a dead row's space is reused only once VACUUM has
// passed. Autovacuum visits a database once a minute at best (autovacuum_naptime), and some installations turn it off
// (this project's CI machine does): at 1 500 documents/s a minute of dead leases is ≈ 15 MB, without autovacuum one
// lease's ≈ 170 bytes for every document ever sent. So the fns worker vacuums the table itself, at most every
// `everyMs`, in the background: a few milliseconds for a table this size. `skip_locked`: when another worker's VACUUM
// is running, this one is skipped instead of waiting for it.
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../observability/logger.js';
import type { Database } from './database.js';

export const DEFAULT_LEASE_VACUUM_MS = 10_000;

export interface LeaseVacuum {
  /** Called after each batch: starts a VACUUM when `everyMs` has passed since the last one. Never throws. */
  afterBatch(): void;
  /** The VACUUM running now, if any, has ended. */
  idle(): Promise<void>;
}

export function createLeaseVacuum(db: Kysely<Database>, logger: Logger, everyMs = DEFAULT_LEASE_VACUUM_MS): LeaseVacuum {
  let last = Date.now();
  let running: Promise<void> | undefined;
  let disabled = false;
  return {
    afterBatch() {
      if (disabled || running !== undefined || Date.now() - last < everyMs) return;
      last = Date.now();
      running = sql`vacuum (skip_locked) fns_leases`
        .execute(db)
        .then(() => undefined)
        .catch((e: unknown) => {
          const err = e as { code?: string; message?: string };
          // 42501: not the table's owner — VACUUM would only warn each time; leave it to autovacuum.
          if (err.code === '42501') disabled = true;
          logger.warn({ err: err.message, code: err.code }, 'vacuum of fns_leases failed; autovacuum must keep the table small');
        })
        .finally(() => {
          running = undefined;
        });
    },
    idle: () => running ?? Promise.resolve(),
  };
}
