/**
 * The persist processor: a batch of `documents` jobs → PostgreSQL, in ONE transaction (issue 4).
 *
 * - Every job is validated (documentJobSchema) and its container decoded and derived first (persist-derive.ts), outside
 *   the transaction. A job that fails here is a terminal error for that job only (`PersistJobError`, returned, not
 *   thrown); the others go on.
 * - Documents are stored once per (fn, fd); derived rows and state are written ONLY for the documents newly stored, so
 *   a re-sent or re-processed document never doubles a counter.
 * - A receipt-only batch is a fixed handful of statements whatever its size (document-batch.repository.ts): registry
 *   (usually cached: none), one statement for keys + documents + items + marking codes + events, one for FD numbers and
 *   gaps, one for shift totals. Registration, shift and archive reports add a few statements each; they are rare.
 * - Everything is written in (fn, fd) order (and registry keys in sorted order), so concurrent workers lock rows in the
 *   same order and cannot deadlock.
 * - A document the gateway could not recognise (flk code DOC_UNRECOGNISED) is stored with its raw container and no
 *   derived rows.
 * - The function throws only when the transaction fails (database down, deadlock, constraint): the caller retries or
 *   falls back to one job per transaction.
 */
import { applyBatchRollups, type RollupDocument } from '../db/rollups.repository.js';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import {
  addShiftTotals,
  documentKey,
  flkCodesLiteral,
  insertDocumentBatch,
  recordDocumentNumbers,
  type BatchDocument,
  type ShiftTotalsDelta,
} from '../db/document-batch.repository.js';
import { recordConflictingCopies, type UnstoredCopy } from '../db/document-conflicts.repository.js';
import type { Metrics } from '../observability/metrics.js';
import { documentJobSchema, type DocumentJob } from '../queue/jobs.js';
import {
  bool,
  deriveDocument,
  DeriveError,
  DOC_UNRECOGNISED,
  FORM,
  int8,
  num,
  REGISTRATION_FORMS,
  str,
  toJson,
  type DerivedDocument,
  type Downstream,
} from './persist-derive.js';
import { validityMonthsFromKeyResource } from '../domain/fn-end-date.js';
import { documentRegistryIds, ensureRegistry, recordDocumentOwners, RegistryCache, type RegistryIds } from './persist-registry.js';

export { DOC_UNRECOGNISED, type Downstream } from './persist-derive.js';

/** A job that can never succeed (bad payload, undecodable container): park it, do not retry. */
export class PersistJobError extends Error {
  override readonly name = 'PersistJobError';
  constructor(
    readonly code:
      | 'PERSIST_BAD_PAYLOAD'
      | 'PERSIST_BAD_CONTAINER'
      | 'PERSIST_KEY_MISMATCH'
      | 'PERSIST_SESSION_FN_MISMATCH'
      | 'PERSIST_UNVERIFIED'
      | 'PERSIST_REJECTED',
    message: string,
  ) {
    super(message);
  }
}

export interface PersistedJob {
  readonly ok: true;
  readonly fn: string;
  readonly fd: number;
  readonly form: number;
  /** False when the document was already stored (a re-send or a re-processed job): nothing derived was written. */
  readonly inserted: boolean;
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
}

/** Takes job payloads (untrusted); returns one result per payload, in order. Throws only if the transaction fails. */
export type PersistProcessor = (payloads: readonly unknown[]) => Promise<PersistResult[]>;

interface Prepared {
  readonly index: number;
  readonly job: DocumentJob;
  /** The container's bytes (decoded from the job's base64 once, for deriving and for storing). */
  readonly raw: Buffer;
  readonly key: string;
  readonly derived: DerivedDocument;
}

/** The session header's FN field (protocol/session-header.ts: 16 bytes at offset 8, space or NUL padded). */
const SESSION_FN_START = 8;
const SESSION_FN_END = 24;

// ---- preparation (no I/O) -------------------------------------------------------------------------------------------

/**
 * The first stored copy of a document wins (decision 2), so only a document verified under its own fiscal drive may be
 * stored (issue 13 item 3): signs are checked with the key of the session header's FN, so a container naming another FN
 * was verified with the wrong key. `unverified` is only what OFD_CRYPTO=none produces. Such a job is parked, not stored.
 */
function verificationProblem(job: DocumentJob): PersistJobError | undefined {
  if (job.signStatus !== 'verified' && job.crypto !== 'none') {
    return new PersistJobError('PERSIST_UNVERIFIED', `document (${job.fn}, ${job.fd}) is ${job.signStatus} under crypto ${job.crypto}`);
  }
  if (job.sessionHeader !== undefined) {
    const header = Buffer.from(job.sessionHeader, 'base64');
    const sessionFn = header.length >= SESSION_FN_END ? header.toString('latin1', SESSION_FN_START, SESSION_FN_END).replace(/[\s\0]+/g, '') : '';
    if (sessionFn !== '' && sessionFn !== job.fn) {
      return new PersistJobError('PERSIST_SESSION_FN_MISMATCH', `document of FN ${job.fn} came in a session of FN ${sessionFn}: signs were checked with another drive's key`);
    }
  }
  return undefined;
}

function prepare(index: number, payload: unknown): Prepared | PersistJobError {
  const parsed = documentJobSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return new PersistJobError('PERSIST_BAD_PAYLOAD', `invalid document job: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown'}`);
  }
  const job = parsed.data;
  const unverifiable = verificationProblem(job);
  if (unverifiable) return unverifiable;
  const raw = Buffer.from(job.container, 'base64');
  const derived = deriveDocument({
    fn: job.fn,
    fd: job.fd,
    receivedAt: job.receivedAt,
    form: job.form,
    raw,
    unrecognised: job.flk.codes.includes(DOC_UNRECOGNISED),
  });
  if (derived instanceof DeriveError) return new PersistJobError(derived.code, derived.message);
  return { index, job, raw, key: documentKey(job.fn, job.fd), derived };
}

function unstoredCopy(d: Prepared): UnstoredCopy {
  const { job } = d;
  return {
    fn: job.fn,
    fd: job.fd,
    raw: d.raw,
    sessionHeader: job.sessionHeader === undefined ? null : Buffer.from(job.sessionHeader, 'base64'),
    receivedAt: job.receivedAt,
    signStatus: job.signStatus,
    crypto: job.crypto,
  };
}

function compareDocs(a: Prepared, b: Prepared): number {
  if (a.job.fn !== b.job.fn) return a.job.fn < b.job.fn ? -1 : 1;
  return a.job.fd - b.job.fd;
}

function batchDocument(d: Prepared, ids: RegistryIds): BatchDocument {
  const { job, derived } = d;
  const { outletId, registerId } = documentRegistryIds(ids, { fields: derived.fields, kktRegId: derived.columns.kkt_reg_id });
  return {
    row: {
      fn: job.fn,
      fd: job.fd,
      received_at: job.receivedAt,
      form: derived.form,
      register_id: registerId,
      outlet_id: outletId,
      ...derived.columns,
      sign_status: job.signStatus,
      flk_status: job.flk.ok ? 'passed' : 'failed',
      flk_codes: flkCodesLiteral(job.flk.codes),
      // Written only for an ack actually written to the register, by the acks worker, in document_acks (issue 13).
      ack_code: null,
      crypto: job.crypto,
      derived: derived.fields !== undefined,
    },
    raw: d.raw,
    items: derived.items,
    codes: derived.codes,
  };
}

/** Running totals of the receipts newly stored, one delta per (fn, shift). */
function shiftDeltas(fresh: readonly Prepared[], ids: RegistryIds): ShiftTotalsDelta[] {
  const totals = new Map<string, { fn: string; shift: string | number; registerId: number | null; receipts: number; sums: [bigint, bigint, bigint, bigint] }>();
  for (const d of fresh) {
    const c = d.derived.shiftContribution;
    if (!c) continue;
    const k = `${d.job.fn}:${c.shift}`;
    let t = totals.get(k);
    if (!t) {
      const registerId = documentRegistryIds(ids, { fields: d.derived.fields, kktRegId: d.derived.columns.kkt_reg_id }).registerId;
      t = { fn: d.job.fn, shift: c.shift, registerId, receipts: 0, sums: [0n, 0n, 0n, 0n] };
      totals.set(k, t);
    }
    t.receipts += 1;
    // 1054 operationType: 1 sell, 2 sell return, 3 buy, 4 buy return.
    if (c.operationType !== null && c.operationType >= 1 && c.operationType <= 4) t.sums[c.operationType - 1]! += c.totalSum;
  }
  const sum = (v: bigint) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());
  return [...totals.values()].map((t) => ({
    fn: t.fn,
    shift_number: t.shift,
    register_id: t.registerId,
    received_receipts: t.receipts,
    sell_total_sum: sum(t.sums[0]),
    sell_return_total_sum: sum(t.sums[1]),
    buy_total_sum: sum(t.sums[2]),
    buy_return_total_sum: sum(t.sums[3]),
  }));
}

/** A newly stored document as the report rollups count it: the values just written, nothing read back. */
function rollupDocument(d: Prepared, ids: RegistryIds): RollupDocument {
  const { orgId, outletId, registerId } = documentRegistryIds(ids, { fields: d.derived.fields, kktRegId: d.derived.columns.kkt_reg_id });
  const c = d.derived.columns;
  return {
    row: {
      form: d.derived.form,
      date_time: c.date_time,
      organization_id: orgId,
      outlet_id: outletId,
      register_id: registerId,
      operation_type: c.operation_type,
      total_sum: c.total_sum,
      cash_sum: c.cash_total_sum,
      ecash_sum: c.ecash_total_sum,
      prepaid_sum: c.prepaid_sum,
      credit_sum: c.credit_sum,
      provision_sum: c.provision_sum,
      ...d.derived.reportMeasures,
    },
    items: d.derived.items,
  };
}

// ---- derived state of registration, shift and archive reports (rare: per document) ---------------------------------

async function applyRegistration(trx: Transaction<Database>, d: Prepared, ids: RegistryIds): Promise<void> {
  const f = d.derived.fields!;
  const { orgId, outletId, registerId } = documentRegistryIds(ids, { fields: f, kktRegId: d.derived.columns.kkt_reg_id });
  const dateTime = str(f, 'dateTime');
  const user = str(f, 'user');
  if (orgId !== null && user !== null) {
    await trx.updateTable('organizations').set({ name: user, updated_at: sql<Date>`now()` }).where('id', '=', orgId).execute();
  }
  if (registerId !== null) {
    // A late-arriving older report must not overwrite a newer registration.
    const updated = await trx
      .updateTable('registers')
      .set({
        serial_number: str(f, 'kktNumber'),
        organization_id: orgId,
        outlet_id: outletId,
        ffd_version: num(f, 'fiscalDocumentFormatVer'),
        kkt_version: str(f, 'kktVersion'),
        machine_number: str(f, 'machineNumber'),
        taxation_types: num(f, 'taxationType'),
        usage_conditions: int8(f, 'usageConditionSigns'),
        auto_mode: bool(f, 'autoMode'),
        offline_mode: bool(f, 'offlineMode'),
        encryption_sign: bool(f, 'encryptionSign'),
        internet_sign: bool(f, 'internetSign'),
        status: 'active',
        registered_at: dateTime,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', registerId)
      .where((eb) =>
        dateTime === null
          ? eb('registered_at', 'is', null)
          : eb.or([eb('registered_at', 'is', null), eb('registered_at', '<=', dateTime)]),
      )
      .executeTakeFirst();
    if (orgId !== null && updated.numUpdatedRows > 0n) await recordDocumentOwners(trx, [{ registerId, organizationId: orgId }]);
  }
  await trx
    .updateTable('fiscal_drives')
    .set({
      register_id: registerId,
      ffd_version: num(f, 'documentFdVersion'),
      registered_at: dateTime,
      registration_fd: d.job.fd,
      key_resource_days: num(f, 'fdKeyResource'),
      key_resource_reported_at: dateTime,
      // The model's validity, told by the key resource a registration report carries (src/domain/fn-end-date.ts); a
      // report without 1213 (FFD 1.0) keeps what an earlier one said.
      validity_months: sql<number | null>`coalesce(${validityMonthsFromKeyResource(num(f, 'fdKeyResource'))}::int, validity_months)`,
      updated_at: sql<Date>`now()`,
    })
    .where('fn', '=', d.job.fn)
    .execute();
}

/** Shift reports carry the FN's key resource (1213) too: keep the latest reported, never an older report's. */
async function applyKeyResource(trx: Transaction<Database>, d: Prepared): Promise<void> {
  const f = d.derived.fields!;
  const days = num(f, 'fdKeyResource');
  const dateTime = str(f, 'dateTime');
  if (days === null || dateTime === null) return;
  await trx
    .updateTable('fiscal_drives')
    .set({ key_resource_days: days, key_resource_reported_at: dateTime, updated_at: sql<Date>`now()` })
    .where('fn', '=', d.job.fn)
    .where((eb) => eb.or([eb('key_resource_reported_at', 'is', null), eb('key_resource_reported_at', '<=', dateTime)]))
    .execute();
}

async function applyOpenShift(trx: Transaction<Database>, d: Prepared, registerId: number | null): Promise<void> {
  const f = d.derived.fields!;
  const shift = int8(f, 'shiftNumber');
  if (shift === null) return;
  await trx
    .insertInto('shifts')
    .values({ fn: d.job.fn, shift_number: shift, register_id: registerId, opened_at: str(f, 'dateTime'), open_fd: d.job.fd })
    .onConflict((oc) =>
      oc.columns(['fn', 'shift_number']).doUpdateSet((eb) => ({
        opened_at: eb.ref('excluded.opened_at'),
        open_fd: eb.ref('excluded.open_fd'),
        register_id: sql<number>`coalesce(shifts.register_id, excluded.register_id)`,
        updated_at: sql<Date>`now()`,
      })),
    )
    .execute();
}

async function applyCloseShift(trx: Transaction<Database>, d: Prepared, registerId: number | null): Promise<void> {
  const f = d.derived.fields!;
  const shift = int8(f, 'shiftNumber');
  if (shift !== null) {
    const counters: Record<string, unknown> = {};
    if (f['shiftSumReports'] !== undefined) counters['shiftSumReports'] = f['shiftSumReports'];
    if (f['fiscalDriveSumReports'] !== undefined) counters['fiscalDriveSumReports'] = f['fiscalDriveSumReports'];
    await trx
      .insertInto('shifts')
      .values({
        fn: d.job.fn,
        shift_number: shift,
        register_id: registerId,
        closed_at: str(f, 'dateTime'),
        close_fd: d.job.fd,
        receipts_quantity: int8(f, 'receiptsQuantity'),
        documents_quantity: int8(f, 'documentsQuantity'),
        not_transmitted_count: int8(f, 'notTransmittedDocumentsQuantity'),
        closing_counters: Object.keys(counters).length > 0 ? toJson(counters) : null,
      })
      .onConflict((oc) =>
        oc.columns(['fn', 'shift_number']).doUpdateSet((eb) => ({
          closed_at: eb.ref('excluded.closed_at'),
          close_fd: eb.ref('excluded.close_fd'),
          receipts_quantity: eb.ref('excluded.receipts_quantity'),
          documents_quantity: eb.ref('excluded.documents_quantity'),
          not_transmitted_count: eb.ref('excluded.not_transmitted_count'),
          closing_counters: eb.ref('excluded.closing_counters'),
          register_id: sql<number>`coalesce(shifts.register_id, excluded.register_id)`,
          updated_at: sql<Date>`now()`,
        })),
      )
      .execute();
  }
  await trx
    .updateTable('fiscal_drives')
    .set({
      not_transmitted_count: int8(f, 'notTransmittedDocumentsQuantity'),
      not_transmitted_since: str(f, 'notTransmittedDocumentsDateTime'),
      exhaustion_sign: bool(f, 'fiscalDriveExhaustionSign'),
      replace_required_sign: bool(f, 'fiscalDriveReplaceRequiredSign'),
      memory_exceeded_sign: bool(f, 'fiscalDriveMemoryExceededSign'),
      updated_at: sql<Date>`now()`,
    })
    .where('fn', '=', d.job.fn)
    .execute();
}

async function applyCloseArchive(trx: Transaction<Database>, d: Prepared, registerId: number | null): Promise<void> {
  await trx
    .updateTable('fiscal_drives')
    .set({ closed_at: str(d.derived.fields!, 'dateTime'), closed_fd: d.job.fd, updated_at: sql<Date>`now()` })
    .where('fn', '=', d.job.fn)
    .execute();
  if (registerId !== null) {
    await trx
      .updateTable('registers')
      .set({ status: 'fn_closed', updated_at: sql<Date>`now()` })
      .where('id', '=', registerId)
      .where('status', '=', 'active')
      .execute();
  }
}

async function applyReports(trx: Transaction<Database>, fresh: readonly Prepared[], ids: RegistryIds): Promise<void> {
  for (const d of fresh) {
    if (!d.derived.fields) continue;
    const form = d.derived.form;
    const registerId = documentRegistryIds(ids, { fields: d.derived.fields, kktRegId: d.derived.columns.kkt_reg_id }).registerId;
    if (REGISTRATION_FORMS.has(form)) await applyRegistration(trx, d, ids);
    else if (form === FORM.openShift) await applyOpenShift(trx, d, registerId);
    else if (form === FORM.closeShift) await applyCloseShift(trx, d, registerId);
    if (form === FORM.openShift || form === FORM.closeShift) await applyKeyResource(trx, d);
    else if (form === FORM.closeArchive) await applyCloseArchive(trx, d, registerId);
  }
}

// ---- the processor --------------------------------------------------------------------------------------------------------

export function createPersistProcessor(deps: PersistProcessorDeps): PersistProcessor {
  const { db, metrics } = deps;
  const log = deps.logger;
  const cache = new RegistryCache();

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
    const unique: Prepared[] = [];
    for (const d of prepared) if (unique.length === 0 || unique[unique.length - 1]!.key !== d.key) unique.push(d);

    let claimed = new Set<string>();
    let conflicting = 0;
    let committedIds: RegistryIds | undefined;
    if (unique.length > 0) {
      await db.transaction().execute(async (trx) => {
        const ids = await ensureRegistry(
          trx,
          unique.map((d) => ({ fields: d.derived.fields, kktRegId: d.derived.columns.kkt_reg_id })),
          cache,
        );
        committedIds = ids;
        claimed = await insertDocumentBatch(
          trx,
          unique.map((d) => batchDocument(d, ids)),
        );
        // Every document of the batch, stored now or before: recording an FD again changes nothing.
        await recordDocumentNumbers(
          trx,
          unique.map((d) => d.job),
        );
        const fresh = unique.filter((d) => claimed.has(d.key));
        // Every copy not stored now (a re-send, a second copy in this batch): bytes that differ from the stored ones are
        // evidence, never dropped silently.
        const storedNow = new Set(fresh);
        conflicting = await recordConflictingCopies(trx, prepared.filter((d) => !storedNow.has(d)).map(unstoredCopy));
        await applyReports(trx, fresh, ids);
        await addShiftTotals(trx, shiftDeltas(fresh, ids));
        // Report rollups in the same transaction: only newly stored documents, so a re-send is never counted twice.
        await applyBatchRollups(
          trx,
          fresh.map((d) => rollupDocument(d, ids)),
        );
      });
    }

    // Only after the commit: an id from a rolled-back transaction would name nothing.
    if (committedIds) cache.remember(committedIds);

    const counted = new Set<string>();
    const byForm = new Map<number, number>();
    for (const d of prepared) {
      const inserted = claimed.has(d.key) && !counted.has(d.key);
      if (inserted) {
        counted.add(d.key);
        byForm.set(d.derived.form, (byForm.get(d.derived.form) ?? 0) + 1);
      }
      results[d.index] = { ok: true, fn: d.job.fn, fd: d.job.fd, form: d.derived.form, inserted, downstream: d.derived.downstream };
    }
    for (const [form, n] of byForm) metrics?.documents.persisted.inc({ form: String(form) }, n);
    if (conflicting > 0) {
      metrics?.documents.conflictingCopies.inc(conflicting);
      log.warn({ copies: conflicting }, 'copies of stored documents with different bytes recorded in document_conflicts');
    }
    log.debug({ jobs: payloads.length, inserted: counted.size }, 'persisted batch');
    return results.map((r) => r!);
  };
}
