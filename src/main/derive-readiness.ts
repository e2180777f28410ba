/**
 * The derive stage in /health/ready (issue 12): how old the derived data is ("данные на …"), how many stored documents
 * wait, and 'degraded' while the lag is over OFD_DERIVE_LAG_DEGRADED_SECONDS. Read from PostgreSQL, so any process
 * with the database (worker or api role) tells the same.
 */
import type { Kysely } from 'kysely';
import type { ReadinessDetail } from '../api/ops.routes.js';
import type { Database } from '../db/database.js';
import { deriveBacklog } from '../db/derive.repository.js';
import { lagSeconds } from '../workers/derive/derive.worker.js';

export function deriveReadiness(db: Kysely<Database>, degradedAboveSeconds: number): () => Promise<ReadinessDetail> {
  return async () => {
    const backlog = await deriveBacklog(db);
    const lag = lagSeconds(backlog);
    const detail = { lagSeconds: Number(lag.toFixed(3)), pending: backlog.pending, dataAsOf: (backlog.oldest ?? backlog.now).toISOString() };
    return lag > degradedAboveSeconds ? { ...detail, degraded: `derived data is ${Math.round(lag)} s behind (more than ${degradedAboveSeconds} s)` } : detail;
  };
}
