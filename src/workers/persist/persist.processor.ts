/**
 * The persist processor: a batch of `documents` jobs → PostgreSQL, in ONE transaction (issue 4).
 *
 * - Every job is validated (documentJobSchema) and its container decoded and derived first (prepare.ts, derive.ts), outside
 *   the transaction. A job that fails here is a terminal error for that job only (`PersistJobError`, returned, not
 *   thrown); the others go on.
 * - Documents are stored once per (fn, fd); derived rows and state are written ONLY for the documents newly stored, so
 *   a re-sent or re-processed document never doubles a counter.
 * - Before the transaction, each committed on its own and usually none: new item names, drive contexts and registry rows
 *   (organizations, outlets, registers: registry.ts says why they are not in the transaction).
 * - A receipt-only batch is a fixed handful of statements whatever its size (document-batch.repository.ts): one
 *   statement for keys + documents + items + marking codes + events, one for FD numbers and gaps, one for shift totals.
 *   Registration, shift and archive reports add a few statements each; they are rare.
 * - Everything is written in (fn, fd) order (and registry keys in sorted order), so concurrent workers lock rows in the
 *   same order and cannot deadlock.
 * - A document the gateway could not recognise (flk code DOC_UNRECOGNISED) is stored with its raw container and no
 *   derived rows.
 * - The function throws only when the transaction fails (database down, deadlock, constraint): the caller retries or
 *   falls back to one job per transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/database.js';
import { createChurnedTablesVacuum } from '../../db/churned-tables-vacuum.js';
import { createDocumentAcksVacuum } from '../../db/document-acks-vacuum.js';
import { addShiftTotals, insertDocumentBatch, recordDocumentNumbers } from '../../db/document-batch.repository.js';
import { recordConflictingCopies } from '../../db/document-conflicts.repository.js';
import { ItemNameDictionary, itemNamesOf, type ItemNameIds } from '../../db/item-name-dictionary.js';
import type { Metrics } from '../../observability/metrics.js';
import { applyBatchRollups } from '../../db/rollups.repository.js';
import { batchDocument, compareDocs, rollupDocument, shiftDeltas, unstoredCopy } from './batch-rows.js';
import { prepare, PersistJobError, type Prepared, type PreparedPacked } from './prepare.js';
import { packRawContainer } from '../../db/raw-container.js';
import { confirmRawContexts, packingContext, RawContextsOfDrives } from '../../db/raw-contexts.js';
import type { RawContext } from '../../db/raw-context-cache.js';
import { isDbError } from '../../db/errors.js';
import { ensureRegistry, ensureRegistryRows, RegistryCache, type RegistryIds, type RegistrySubject } from './registry.js';
import type { Downstream } from './derive.js';
import { applyReports } from './report-state.js';

export { PersistJobError } from './prepare.js';

export interface PersistedJob {
  readonly ok: true;
  readonly fn: string;
  readonly fd: number;
  readonly form: number;
  /** False when the document was already stored (a re-send or a re-processed job): nothing derived was written. */
  readonly inserted: boolean;
  /** The job's received_at: the stored copy's when `inserted` (its forwarding jobs may name the partition by it). */
  readonly receivedAt: string;
  readonly downstream: Downstream;
}

export interface FailedJob {
  readonly ok: false;
  readonly error: PersistJobError;
}

export type PersistResult = PersistedJob | FailedJob;

export interface PersistProcessorDeps {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Store the usual values of a document row as null (OFD_STORE_USUAL_AS_NULL, true by default there; usual-as-null.ts). Default false here. */
  readonly usualAsNull?: boolean;
  /** How often the acks that waited for their documents are vacuumed away (document-acks-vacuum.ts); default 3 s. */
  readonly acksVacuumMs?: number;
  /** How often at most the tables it updates in place are vacuumed while autovacuum is off (churned-tables-vacuum.ts). */
  readonly churnedTablesVacuumMs?: number;
}

/** Takes job payloads (untrusted); returns one result per payload, in order. Throws only if the transaction fails. */
export type PersistProcessor = (payloads: readonly unknown[]) => Promise<PersistResult[]>;

/** What the transaction found: the keys stored now, the conflicting copies recorded, the registry ids it saw. */
interface Written {
  readonly claimed: Set<string>;
  readonly conflicting: number;
  readonly ids: RegistryIds;
}

/**
 * The transaction: registry, documents, FD numbers, conflicting copies, then — for the documents newly stored only —
 * report state, shift totals and report rollups, so a re-sent document is never counted twice.
 */
async function write(
  trx: Transaction<Database>,
  prepared: readonly Prepared[],
  unique: readonly PreparedPacked[],
  contexts: ReadonlySet<RawContext>,
  cache: RegistryCache,
  nameIds: ItemNameIds,
  usualAsNull: boolean,
): Promise<Written> {
  const ids = await ensureRegistry(trx, unique.map(registrySubject), cache);
  await confirmRawContexts(trx, contexts);
  const claimed = await insertDocumentBatch(
    trx,
    unique.map((d) => batchDocument(d, ids, usualAsNull)),
    nameIds,
  );
  // Every document of the batch, stored now or before: recording an FD again changes nothing.
  await recordDocumentNumbers(
    trx,
    unique.map((d) => d.job),
  );
  const fresh = unique.filter((d) => claimed.has(d.key));
  // Every copy not stored now (a re-send, a second copy in this batch): bytes that differ from the stored ones are
  // evidence, never dropped silently.
  const storedNow = new Set(fresh.map((d) => d.index));
  const conflicting = await recordConflictingCopies(trx, prepared.filter((d) => !storedNow.has(d.index)).map(unstoredCopy));
  await applyReports(trx, fresh, ids);
  await addShiftTotals(trx, shiftDeltas(fresh, ids));
  await applyBatchRollups(
    trx,
    fresh.map((d) => rollupDocument(d, ids, nameIds)),
  );
  return { claimed, conflicting, ids };
}

const registrySubject = (d: Prepared): RegistrySubject => ({ fields: d.derived.fields, kktRegId: d.derived.columns.kkt_reg_id });

/** One result per prepared document (the first copy of a key stored now is the one `inserted`), and metrics. */
function settle(deps: PersistProcessorDeps, prepared: readonly Prepared[], written: Written | undefined, results: (PersistResult | undefined)[]): number {
  const counted = new Set<string>();
  const byForm = new Map<number, number>();
  for (const d of prepared) {
    const inserted = written !== undefined && written.claimed.has(d.key) && !counted.has(d.key);
    if (inserted) {
      counted.add(d.key);
      byForm.set(d.derived.form, (byForm.get(d.derived.form) ?? 0) + 1);
    }
    results[d.index] = { ok: true, fn: d.job.fn, fd: d.job.fd, form: d.derived.form, inserted, receivedAt: d.job.receivedAt, downstream: d.derived.downstream };
  }
  for (const [form, n] of byForm) deps.metrics?.documents.persisted.inc({ form: String(form) }, n);
  const conflicting = written?.conflicting ?? 0;
  if (conflicting > 0) {
    deps.metrics?.documents.conflictingCopies.inc(conflicting);
    deps.logger.warn({ copies: conflicting }, 'copies of stored documents with different bytes recorded in document_conflicts');
  }
  return counted.size;
}

export function createPersistProcessor(deps: PersistProcessorDeps): PersistProcessor {
  const cache = new RegistryCache();
  const itemNames = new ItemNameDictionary();
  const rawContexts = new RawContextsOfDrives();
  const acksVacuum = createDocumentAcksVacuum(deps.db, deps.logger, deps.acksVacuumMs);
  const churnedVacuum = createChurnedTablesVacuum(deps.db, deps.logger, deps.churnedTablesVacuumMs);

  return async function persistBatch(payloads) {
    const results: (PersistResult | undefined)[] = new Array<PersistResult | undefined>(payloads.length);
    const prepared: Prepared[] = [];
    payloads.forEach((payload, index) => {
      const p = prepare(index, payload);
      if (p instanceof PersistJobError) results[index] = { ok: false, error: p };
      else prepared.push(p);
    });
    // Stable: of several copies of one (fn, fd) in a batch, the first one given is the one stored.
    prepared.sort(compareDocs);
    const distinct: Prepared[] = [];
    for (const d of prepared) if (distinct.length === 0 || distinct[distinct.length - 1]!.key !== d.key) distinct.push(d);

    // Item names and drive contexts first, committed on their own (item-name-dictionary.ts, raw-contexts.ts): usually all
    // known already, and no statement runs.
    const nameIds = await itemNames.idsOf(deps.db, itemNamesOf(distinct.map((d) => ({ inn: d.derived.columns.user_inn, items: d.derived.items }))));
    const contexts = await rawContexts.forDocuments(deps.db, distinct.map((d) => ({ fn: d.job.fn, fd: d.job.fd, form: d.derived.form, raw: d.raw })));
    // New organizations, outlets and registers too (registry.ts: inside the transaction they held up the next batch).
    await ensureRegistryRows(deps.db, distinct.map(registrySubject), cache);
    const used = new Set<RawContext>();
    const unique: PreparedPacked[] = distinct.map((d) => {
      const context = packingContext(contexts, d.job.fn, d.raw);
      if (context) used.add(context);
      return { ...d, packed: packRawContainer(d.raw, context) };
    });
    let written: Written | undefined;
    try {
      written =
        unique.length === 0 ? undefined : await deps.db.transaction().execute((trx) => write(trx, prepared, unique, used, cache, nameIds, deps.usualAsNull === true));
    } catch (e) {
      // Contexts this processor remembered are gone: read them again (or make new ones) when the batch is retried.
      if (isDbError(e) && e.code === 'DB_RAW_CONTEXT_MISSING') rawContexts.clear();
      throw e;
    }
    // Only after the commit: an id from a rolled-back transaction would name nothing.
    if (written) cache.remember(written.ids);
    // Acks that waited for these documents were deleted by the batch (document-batch.repository.ts).
    if (written) acksVacuum.afterBatch();
    // Shifts, rollups, drives and FD gaps it updated in place (churned-tables-vacuum.ts).
    if (written) churnedVacuum.afterBatch();
    const inserted = settle(deps, prepared, written, results);
    deps.logger.debug({ jobs: payloads.length, inserted }, 'persisted batch');
    return results.map((r) => r!);
  };
}
