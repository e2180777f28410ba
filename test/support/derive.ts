/**
 * The derive stage (issue 12) in tests: shift totals, report rollups and report state are applied after the persist
 * transaction, so a test that reads them waits for the stage first — it derives until nothing is queued.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/database.js';
import { silentLogger } from '../../src/observability/logger.js';
import { deriveAll } from '../../src/workers/derive/derive.processor.js';

/** Derives every stored document still queued (with a derive worker running too: they take turns). Returns how many this call derived. */
export function waitForDerived(db: Kysely<Database>): Promise<number> {
  return deriveAll(db, silentLogger());
}
