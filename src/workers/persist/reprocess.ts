/**
 * `ofd reprocess`: rebuilds the FNS JSON and the derived rows of stored documents from their raw bytes, in batches of
 * one transaction each, after a decoder fix. What is rebuilt — with exactly the derivation the persist worker uses
 * (derive.ts) — is the FNS JSON and document columns, register and outlet ids, receipt items and marking codes,
 * the running totals of the shifts the batch's receipts belong to (recomputed from the stored documents), and the
 * report rollups (the batch's documents are taken out of them as stored, and added back as rebuilt; an item's quantity
 * and sum are not stored since migration 0066 but decoded from the raw bytes, so a decoder fix that changes them is
 * taken out with the new values: the item rollups of those days need `ofd rollups rebuild`). What is
 * not: raw_container (never written), the ФЛК verdict and ack code given when the document arrived, and the state that
 * registration, shift and archive reports set on the registry (it is kept by the newest report, not by a replay).
 *
 * Idempotent: a second run rebuilds the same rows (and logs one more 'reprocessed' event per document). A document the
 * current decoder cannot decode is left as it is and reported.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/database.js';
import { flkCodesLiteral } from '../../db/document-batch.repository.js';
import {
  lockDocumentsForRebuild,
  lockShifts,
  rebuildDocuments,
  recomputeShiftTotals,
  type RebuiltDocument,
  type RebuildCursor,
  type StoredDocumentSource,
} from '../../db/document-rebuild.repository.js';
import { ItemNameDictionary, itemNamesOf, type ItemNameIds } from '../../db/item-name-dictionary.js';
import { applyRollups, dropZeroRollups, withdrawRollups } from '../../db/rollups.repository.js';
import { deriveDocument, DeriveError, DOC_UNRECOGNISED, RECEIPT_FORMS, type DerivedDocument } from './derive.js';
import { documentRegistryIds, ensureRegistry, RegistryCache, type RegistryIds } from './registry.js';
import { withUsualAsNull } from './usual-as-null.js';

export const DEFAULT_REPROCESS_BATCH = 500;
/** A batch that deadlocks with a concurrent writer is run again (PostgreSQL picked it as the victim). */
const MAX_BATCH_ATTEMPTS = 5;
const RETRYABLE_SQLSTATE = new Set(['40P01', '40001']);
/** Failures listed in the summary; the count covers all of them. */
const FAILURES_LISTED = 100;

export interface ReprocessOptions {
  readonly fn?: string;
  readonly since?: Date;
  /** Documents per transaction. Default 500. */
  readonly batchSize?: number;
  /** Called after each committed batch. */
  readonly onBatch?: (progress: ReprocessSummary) => void;
  /** Write the usual values as null, as the persist worker does (OFD_STORE_USUAL_AS_NULL; usual-as-null.ts). */
  readonly usualAsNull?: boolean;
}

export interface ReprocessFailure {
  readonly fn: string;
  readonly fd: number;
  readonly code: string;
  readonly message: string;
}

export interface ReprocessSummary {
  /** Documents read. */
  scanned: number;
  /** Documents rebuilt (derived state replaced). */
  rebuilt: number;
  /** Of those, documents whose FNS JSON came out different. */
  changed: number;
  /** Stored unrecognised and still not decodable: left as they are. */
  skipped: number;
  /** Decoded before, not decodable now: left as they are (a decoder regression?). */
  failed: number;
  failures: ReprocessFailure[];
  batches: number;
}

interface Rebuilt {
  readonly source: StoredDocumentSource;
  readonly derived: DerivedDocument;
}

function sqlState(e: unknown): string {
  return e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' ? e.code : '';
}

function batchDocument(r: Rebuilt, ids: RegistryIds, usualAsNull: boolean): RebuiltDocument {
  const { source, derived } = r;
  const { outletId, registerId } = documentRegistryIds(ids, { fields: derived.fields, kktRegId: derived.columns.kkt_reg_id });
  const row: RebuiltDocument['row'] = {
    fn: source.fn,
    fd: source.fd,
    received_at: source.received_at.toISOString(),
    form: derived.form,
    register_id: registerId,
    outlet_id: outletId,
    ...derived.columns,
    // Not written by a rebuild: raw_container, the ФЛК verdict and the ack stay as received.
    sign_status: 'verified',
    flk_status: 'passed',
    flk_codes: flkCodesLiteral(source.flk_codes),
    ack_code: null,
    crypto: '',
    derived: derived.fields !== undefined,
  };
  return { row: usualAsNull ? withUsualAsNull(row) : row, items: derived.items, codes: derived.codes };
}

type Trx = Transaction<Database>;

/** What one batch did: its last document (the next batch's cursor), its counts, the registry ids it saw. */
interface BatchOutcome {
  readonly last: RebuildCursor | undefined;
  readonly seen: ReprocessSummary;
  readonly ids: RegistryIds | undefined;
  readonly nameIds?: ItemNameIds;
}

/** Derives the sources again; those the decoder cannot decode are counted (skipped or failed) and left out. */
function rederive(sources: readonly StoredDocumentSource[], seen: ReprocessSummary): Rebuilt[] {
  const rebuilt: Rebuilt[] = [];
  for (const source of sources) {
    // Decoded again even when the gateway could not recognise it: that is what a decoder fix is for.
    const derived = deriveDocument({
      fn: source.fn,
      fd: source.fd,
      receivedAt: source.received_at.toISOString(),
      form: source.form,
      raw: source.raw_container,
      unrecognised: false,
    });
    if (derived instanceof DeriveError) {
      const wasUnrecognised = source.flk_codes.includes(DOC_UNRECOGNISED);
      if (wasUnrecognised) seen.skipped += 1;
      else {
        seen.failed += 1;
        seen.failures.push({ fn: source.fn, fd: source.fd, code: derived.code, message: derived.message });
      }
      continue;
    }
    rebuilt.push({ source, derived });
  }
  return rebuilt;
}

/** Shifts a receipt of the batch belonged to before or belongs to now. */
function shiftsOf(rebuilt: readonly Rebuilt[]): { fn: string; shift: number | string }[] {
  const shifts = new Map<string, { fn: string; shift: number | string }>();
  const addShift = (fn: string, shift: number | string | null) => {
    if (shift !== null) shifts.set(`${fn}:${shift}`, { fn, shift });
  };
  for (const r of rebuilt) {
    if (RECEIPT_FORMS.has(r.source.form)) addShift(r.source.fn, r.source.shift_number);
    if (RECEIPT_FORMS.has(r.derived.form)) addShift(r.source.fn, r.derived.columns.shift_number);
  }
  return [...shifts.values()];
}

/** What a batch reuses from the batches before it: registry ids and item names' ids. */
interface BatchCaches {
  readonly registry: RegistryCache;
  readonly itemNames: ItemNameDictionary;
}

/** One batch, in its transaction. */
async function rebuildBatch(trx: Trx, options: ReprocessOptions, limit: number, after: RebuildCursor | undefined, caches: BatchCaches): Promise<BatchOutcome> {
  const seen: ReprocessSummary = { scanned: 0, rebuilt: 0, changed: 0, skipped: 0, failed: 0, failures: [], batches: 1 };
  const sources = await lockDocumentsForRebuild(trx, {
    limit,
    ...(options.fn === undefined ? {} : { fn: options.fn }),
    ...(options.since === undefined ? {} : { since: options.since }),
    ...(after === undefined ? {} : { after }),
  });
  seen.scanned = sources.length;
  const rebuilt = rederive(sources, seen);
  const ids = await ensureRegistry(
    trx,
    rebuilt.map((r) => ({ fields: r.derived.fields, kktRegId: r.derived.columns.kkt_reg_id })),
    caches.registry,
  );
  // In this transaction: names it adds roll back with it, so they are remembered only after the commit.
  const nameIds = await caches.itemNames.idsOf(trx, itemNamesOf(rebuilt.map((r) => ({ inn: r.derived.columns.user_inn, items: r.derived.items }))), {
    remember: false,
  });
  const shifts = shiftsOf(rebuilt);
  // Shifts before rollup rows, as the persist worker takes them: in the other order the two deadlock.
  await lockShifts(trx, shifts);
  // The reports follow the rebuild: out as the rows were, back in as they are (the rows are locked).
  const keys = rebuilt.map((r) => ({ fn: r.source.fn, fd: r.source.fd }));
  const withdrawn = await withdrawRollups(trx, keys);
  const results = await rebuildDocuments(
    trx,
    rebuilt.map((r) => batchDocument(r, ids, options.usualAsNull === true)),
    nameIds,
  );
  await applyRollups(trx, keys);
  await dropZeroRollups(trx, withdrawn);
  seen.rebuilt = results.length;
  seen.changed = results.filter((r) => r.changed).length;
  await recomputeShiftTotals(trx, shifts); // locked above, before the rollups
  const last = sources[sources.length - 1];
  return { last: last === undefined ? undefined : { fn: last.fn, fd: last.fd }, seen, ids, nameIds };
}

/** A batch run again when it deadlocks with a concurrent writer (PostgreSQL picked it as the victim). */
async function runBatch(db: Kysely<Database>, logger: Logger, run: (trx: Trx) => Promise<BatchOutcome>): Promise<BatchOutcome> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction().execute(run);
    } catch (e) {
      if (!RETRYABLE_SQLSTATE.has(sqlState(e)) || attempt >= MAX_BATCH_ATTEMPTS) throw e;
      logger.warn({ attempt, code: sqlState(e) }, 'reprocess batch conflicted with a concurrent writer; running it again');
    }
  }
}

function addUp(summary: ReprocessSummary, seen: ReprocessSummary): void {
  summary.scanned += seen.scanned;
  summary.rebuilt += seen.rebuilt;
  summary.changed += seen.changed;
  summary.skipped += seen.skipped;
  summary.failed += seen.failed;
  summary.failures.push(...seen.failures.slice(0, Math.max(0, FAILURES_LISTED - summary.failures.length)));
  summary.batches += 1;
}

/** Rebuilds the selected documents; returns what it did. Throws when PostgreSQL fails (committed batches stay). */
export async function reprocessDocuments(db: Kysely<Database>, logger: Logger, options: ReprocessOptions = {}): Promise<ReprocessSummary> {
  const limit = options.batchSize ?? DEFAULT_REPROCESS_BATCH;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`batch size must be a positive integer, got ${limit}`);
  const summary: ReprocessSummary = { scanned: 0, rebuilt: 0, changed: 0, skipped: 0, failed: 0, failures: [], batches: 0 };
  const cache = new RegistryCache();
  const itemNames = new ItemNameDictionary();
  let after: RebuildCursor | undefined;
  for (;;) {
    const cursor = after;
    const outcome = await runBatch(db, logger, (trx) => rebuildBatch(trx, options, limit, cursor, { registry: cache, itemNames }));
    if (outcome.last === undefined) break;
    // Only now, after the commit: a registry id from a rolled-back batch would name nothing.
    if (outcome.ids) cache.remember(outcome.ids);
    if (outcome.nameIds) itemNames.remember(outcome.nameIds);
    addUp(summary, outcome.seen);
    after = outcome.last;
    options.onBatch?.(summary);
    logger.debug({ ...summary, failures: undefined }, 'reprocess batch committed');
  }
  return summary;
}
