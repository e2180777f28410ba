/**
 * The derive stage (issue 12, "a lean ingest path"): what the persist transaction no longer writes — shift running
 * totals, report rollups, and the state registration, shift and archive reports set — applied from derive_queue in ONE
 * transaction per run: claim the oldest queued documents and add them to the totals and rollups (one statement,
 * src/db/derive.repository.ts), then decode the reports among them (derive.ts, as the persist worker and `ofd reprocess`
 * do) and apply their state. The queue rows are deleted in that transaction, so a document is derived exactly once: a
 * crash or an error before the commit leaves its row for the next run.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/database.js';
import { claimAndDerive, tryDeriveLock, type ClaimedReport } from '../../db/derive.repository.js';
import { deriveDocument, DeriveError } from '../persist/derive.js';
import { ensureRegistry, RegistryCache, type RegistryIds } from '../persist/registry.js';
import { applyReports, type ReportDocument } from '../persist/report-state.js';

/** Documents per derive transaction: five persist batches, so the hot shift and rollup rows are upserted fewer times. */
export const DEFAULT_DERIVE_BATCH = 5000;

export interface DeriveOptions {
  /** Documents claimed per transaction at most. Default 5000. */
  readonly batchSize?: number;
  /** Registry ids seen by earlier runs (a cache: ids are remembered only after a commit). */
  readonly cache?: RegistryCache;
}

export interface DeriveOutcome {
  /** Documents derived (0 also when another derive transaction was running: `busy`). */
  readonly documents: number;
  /** Reports among them whose state was applied. */
  readonly reports: number;
  /** Another derive transaction held the lock: nothing was done. */
  readonly busy: boolean;
}

/** The reports claimed, decoded again from their stored bytes; one that does not decode now is logged and skipped. */
function decodeReports(reports: readonly ClaimedReport[], logger: Logger): ReportDocument[] {
  const decoded: ReportDocument[] = [];
  for (const r of reports) {
    const derived = deriveDocument({ fn: r.fn, fd: r.fd, receivedAt: r.received_at.toISOString(), form: r.form, raw: r.raw_container, unrecognised: false });
    // The persist worker decoded it before storing it; only a decoder change in between can get here.
    if (derived instanceof DeriveError) logger.warn({ fn: r.fn, fd: r.fd, code: derived.code }, 'stored report does not decode: its state is not applied');
    else if (derived.fields) decoded.push({ job: { fn: r.fn, fd: r.fd }, derived });
  }
  return decoded;
}

/** One derive transaction over up to `batchSize` queued documents. Throws when it fails (nothing was applied). */
export async function deriveOnce(db: Kysely<Database>, logger: Logger, options: DeriveOptions = {}): Promise<DeriveOutcome> {
  const limit = options.batchSize ?? DEFAULT_DERIVE_BATCH;
  const cache = options.cache ?? new RegistryCache();
  let ids: RegistryIds | undefined;
  const outcome = await db.transaction().execute(async (trx): Promise<DeriveOutcome> => {
    if (!(await tryDeriveLock(trx))) return { documents: 0, reports: 0, busy: true };
    const claimed = await claimAndDerive(trx, limit);
    const reports = decodeReports(claimed.reports, logger);
    if (reports.length > 0) {
      ids = await ensureRegistry(trx, reports.map((r) => ({ fields: r.derived.fields, kktRegId: r.derived.columns.kkt_reg_id })), cache);
      await applyReports(trx, reports, ids);
    }
    return { documents: claimed.documents, reports: reports.length, busy: false };
  });
  // Only after the commit: an id from a rolled-back transaction would name nothing.
  if (ids) cache.remember(ids);
  return outcome;
}

/** Derives until the queue is empty (tests, benchmarks, `ofd reprocess` callers that want every total up to date). */
export async function deriveAll(db: Kysely<Database>, logger: Logger, options: DeriveOptions = {}): Promise<number> {
  const cache = options.cache ?? new RegistryCache();
  let total = 0;
  for (;;) {
    const outcome = await deriveOnce(db, logger, { ...options, cache });
    total += outcome.documents;
    if (outcome.busy) await new Promise((r) => setTimeout(r, 10));
    else if (outcome.documents === 0) return total;
  }
}
