/**
 * The persist processor: a batch of `documents` jobs → PostgreSQL, in ONE transaction (issue 4).
 *
 * - Every job is validated (documentJobSchema) and its container decoded first, outside the transaction. A job that
 *   fails here is a terminal error for that job only (`PersistJobError`, returned, not thrown); the others go on.
 * - Documents are stored once per (fn, fd) (`insertDocuments`, `on conflict do nothing`); derived rows and state are
 *   written ONLY for the documents newly inserted, so a re-sent or re-processed document never doubles a counter.
 * - Everything is written in (fn, fd) order (and registry keys in sorted order), so concurrent workers lock rows in the
 *   same order and cannot deadlock.
 * - A document the gateway could not recognise (flk code DOC_UNRECOGNISED) is stored with its raw container and no
 *   derived rows.
 * - The function throws only when the transaction fails (database down, deadlock, constraint): the caller retries or
 *   falls back to one job per transaction.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { decodeContainer, messageFiscalSign, type Container } from '../../protocol/container.js';
import { decodeDocument, type DocumentFields, type FieldObject, type FieldValue } from '../../protocol/document-json.js';
import { fvlnFromNumber, fvlnToDecimal } from '../../protocol/values.js';
import type { Database } from '../db/database.js';
import { insertDocuments } from '../db/documents.repository.js';
import type { JsonObject } from '../db/column-types.js';
import type { NewDocumentEvent, NewDocumentRow, NewMarkingCode, NewReceiptItem } from '../db/tables/documents.js';
import type { Metrics } from '../observability/metrics.js';
import { documentJobSchema, type DocumentJob, type NotifyChannel } from '../queue/jobs.js';

export const DOC_UNRECOGNISED = 'DOC_UNRECOGNISED';

/** Form codes (spec §4). */
const FORM = {
  registration: 1,
  openShift: 2,
  receipt: 3,
  bso: 4,
  closeShift: 5,
  closeArchive: 6,
  registrationChange: 11,
  receiptCorrection: 31,
  bsoCorrection: 41,
} as const;
const REGISTRATION_FORMS: ReadonlySet<number> = new Set([FORM.registration, FORM.registrationChange]);
const RECEIPT_FORMS: ReadonlySet<number> = new Set([FORM.receipt, FORM.bso, FORM.receiptCorrection, FORM.bsoCorrection]);

const INN = /^(\d{10}|\d{12})$/;
const ROWS_PER_INSERT = 500;
const REGISTRY_CACHE_MAX = 100_000;

/** A job that can never succeed (bad payload, undecodable container): park it, do not retry. */
export class PersistJobError extends Error {
  override readonly name = 'PersistJobError';
  constructor(
    readonly code: 'PERSIST_BAD_PAYLOAD' | 'PERSIST_BAD_CONTAINER' | 'PERSIST_KEY_MISMATCH',
    message: string,
  ) {
    super(message);
  }
}

/** What to send downstream for one document once its transaction committed. */
export interface Downstream {
  readonly fns: boolean;
  readonly crpt: boolean;
  readonly notify: { readonly channel: NotifyChannel; readonly recipient: string } | undefined;
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
  readonly raw: Buffer;
  readonly container: Container | undefined;
  /** undefined: not recognised, stored raw only. */
  readonly fields: DocumentFields | undefined;
  readonly formName: string | undefined;
  readonly form: number;
  row: NewDocumentRow;
  readonly downstream: Downstream;
}

// ---- field access -------------------------------------------------------------------------------------------------

function isObject(v: FieldValue | undefined): v is FieldObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(f: FieldObject, name: string): string | null {
  const v = f[name];
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? null : t;
  }
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return null;
}

function num(f: FieldObject, name: string): number | null {
  const v = f[name];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/** Int8 columns: a bigint stays exact. */
function int8(f: FieldObject, name: string): number | bigint | null {
  const v = f[name];
  return typeof v === 'number' || typeof v === 'bigint' ? v : null;
}

function bool(f: FieldObject, name: string): boolean | null {
  const v = num(f, name);
  return v === null ? null : v !== 0;
}

function objects(v: FieldValue | undefined): FieldObject[] {
  if (Array.isArray(v)) return v.filter(isObject);
  return isObject(v) ? [v] : [];
}

/** FVLN in JSON is a number exactly when it re-encodes to the same scale (values.ts), else the exact decimal string. */
function decimal(v: FieldValue | undefined): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number') return fvlnToDecimal(fvlnFromNumber(v));
  if (typeof v === 'bigint') return v.toString();
  return null;
}

const jsonReplacer = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

function toJson(v: unknown): string {
  return JSON.stringify(v, jsonReplacer);
}

// ---- marking codes --------------------------------------------------------------------------------------------------

interface ItemCode {
  readonly code: string;
  readonly codeType: string;
}

function itemMarkingCode(item: FieldObject): ItemCode | undefined {
  const codeNew = item['productCodeNew'];
  if (isObject(codeNew)) {
    for (const [key, value] of Object.entries(codeNew)) {
      if (typeof value === 'string' && value !== '') return { code: value, codeType: key };
    }
  }
  const old = item['productCode'];
  if (typeof old === 'string' && old !== '') return { code: old, codeType: 'productCode' };
  return undefined;
}

/** GS1 codes start with AI 01 and the 14-digit GTIN. */
function gtinOf(code: string): string | null {
  const m = /^01(\d{14})/.exec(code);
  return m?.[1] ?? null;
}

// ---- preparation (no I/O) -------------------------------------------------------------------------------------------

function ackCode(job: DocumentJob): number {
  if (job.flk.codes.includes(DOC_UNRECOGNISED)) return 11;
  return job.flk.ok ? 0 : 14;
}

function prepare(index: number, payload: unknown): Prepared | PersistJobError {
  const parsed = documentJobSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return new PersistJobError('PERSIST_BAD_PAYLOAD', `invalid document job: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown'}`);
  }
  const job = parsed.data;
  const raw = Buffer.from(job.container, 'base64');
  const unrecognised = job.flk.codes.includes(DOC_UNRECOGNISED);

  let container: Container | undefined;
  try {
    container = decodeContainer(raw);
  } catch (e) {
    if (!unrecognised) return new PersistJobError('PERSIST_BAD_CONTAINER', `container does not decode: ${(e as Error).message}`);
  }
  if (container && (container.header.fiscalDriveNumber !== job.fn || container.header.fiscalDocumentNumber !== job.fd)) {
    return new PersistJobError(
      'PERSIST_KEY_MISMATCH',
      `job (${job.fn}, ${job.fd}) carries container (${container.header.fiscalDriveNumber}, ${container.header.fiscalDocumentNumber})`,
    );
  }

  let fields: DocumentFields | undefined;
  let formName: string | undefined;
  let form = job.form;
  if (container && !unrecognised) {
    try {
      const decoded = decodeDocument(container.document);
      formName = decoded.formName;
      form = decoded.form;
      fields = decoded.json[decoded.formName];
    } catch (e) {
      return new PersistJobError('PERSIST_BAD_CONTAINER', `document does not decode: ${(e as Error).message}`);
    }
  }

  const mfs = container ? messageFiscalSign(container.messageSign) : null;
  const f: FieldObject = fields ?? {};
  const fnsJson: JsonObject = {};
  if (fields && formName !== undefined) {
    fnsJson[formName] = JSON.parse(toJson({ ...fields, ...(mfs === null ? {} : { messageFiscalSign: mfs }) })) as JsonObject;
  }

  const row: NewDocumentRow = {
    fn: job.fn,
    fd: job.fd,
    received_at: job.receivedAt,
    form,
    ffd_version: num(f, 'fiscalDocumentFormatVer'),
    date_time: str(f, 'dateTime'),
    kkt_reg_id: str(f, 'kktRegId'),
    user_inn: str(f, 'userInn'),
    register_id: null,
    outlet_id: null,
    shift_number: int8(f, 'shiftNumber'),
    request_number: int8(f, 'requestNumber'),
    operation_type: num(f, 'operationType'),
    total_sum: int8(f, 'totalSum'),
    cash_total_sum: int8(f, 'cashTotalSum'),
    ecash_total_sum: int8(f, 'ecashTotalSum'),
    prepaid_sum: int8(f, 'prepaidSum'),
    credit_sum: int8(f, 'creditSum'),
    provision_sum: int8(f, 'provisionSum'),
    fiscal_sign: int8(f, 'fiscalSign'),
    message_fiscal_sign: mfs,
    raw_container: raw,
    fns_json: toJson(fnsJson),
    sign_status: job.signStatus,
    flk_status: job.flk.ok ? 'passed' : 'failed',
    flk_codes: [...job.flk.codes],
    ack_code: ackCode(job),
  };

  const isReceipt = fields !== undefined && RECEIPT_FORMS.has(form);
  const buyer = isReceipt ? str(f, 'buyerPhoneOrAddress') : null;
  const downstream: Downstream = {
    fns: fields !== undefined,
    crpt: isReceipt && objects(f['items']).some((item) => itemMarkingCode(item) !== undefined),
    notify: buyer === null ? undefined : { channel: buyer.includes('@') ? 'email' : 'sms', recipient: buyer },
  };
  return { index, job, raw, container, fields, formName, form, row, downstream };
}

function compareDocs(a: Prepared, b: Prepared): number {
  if (a.job.fn !== b.job.fn) return a.job.fn < b.job.fn ? -1 : 1;
  return a.job.fd - b.job.fd;
}

function chunks<T>(items: readonly T[], size = ROWS_PER_INSERT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const keyOf = (fn: string, fd: number | string | bigint) => `${fn}:${String(fd)}`;

// ---- registry ---------------------------------------------------------------------------------------------------------

interface RegistryIds {
  /** inn → organization id */
  readonly orgs: Map<string, number>;
  /** `${orgId}\u0000${address}\u0000${place}` → outlet id */
  readonly outlets: Map<string, number>;
  /** registration number → register id */
  readonly registers: Map<string, number>;
}

const outletKey = (orgId: number, address: string, place: string) => `${orgId}\u0000${address}\u0000${place}`;

function validInn(f: FieldObject): string | null {
  const inn = str(f, 'userInn');
  return inn !== null && INN.test(inn) ? inn : null;
}

/**
 * Makes sure the organizations, outlets and registers the batch names exist (`on conflict do nothing`, keys sorted)
 * and returns their ids. Idempotent and counter-free, so it runs for every document of the batch, before the insert,
 * and the document rows get their register_id / outlet_id without a second write.
 */
async function ensureRegistry(trx: Transaction<Database>, docs: readonly Prepared[], cache: RegistryIds): Promise<RegistryIds> {
  const ids: RegistryIds = { orgs: new Map(), outlets: new Map(), registers: new Map() };
  const recognised = docs.filter((d) => d.fields !== undefined);

  const inns = [...new Set(recognised.map((d) => validInn(d.fields!)).filter((x): x is string => x !== null))]
    .filter((inn) => {
      const id = cache.orgs.get(inn);
      if (id !== undefined) ids.orgs.set(inn, id);
      return id === undefined;
    })
    .sort();
  if (inns.length > 0) {
    await trx
      .insertInto('organizations')
      .values(inns.map((inn) => ({ inn })))
      .onConflict((oc) => oc.column('inn').doNothing())
      .execute();
    const rows = await trx.selectFrom('organizations').select(['id', 'inn']).where('inn', 'in', inns).execute();
    for (const r of rows) ids.orgs.set(r.inn, r.id);
  }

  const outletWanted = new Map<string, { organization_id: number; address: string; place: string }>();
  for (const d of recognised) {
    const inn = validInn(d.fields!);
    const orgId = inn === null ? undefined : ids.orgs.get(inn);
    if (orgId === undefined) continue;
    const address = str(d.fields!, 'retailPlaceAddress') ?? '';
    const place = str(d.fields!, 'retailPlace') ?? '';
    if (address === '' && place === '') continue;
    const cached = cache.outlets.get(outletKey(orgId, address, place));
    if (cached !== undefined) {
      ids.outlets.set(outletKey(orgId, address, place), cached);
      continue;
    }
    outletWanted.set(outletKey(orgId, address, place), { organization_id: orgId, address, place });
  }
  if (outletWanted.size > 0) {
    const wanted = [...outletWanted.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
    await trx
      .insertInto('outlets')
      .values(wanted)
      .onConflict((oc) => oc.columns(['organization_id', 'address', 'place']).doNothing())
      .execute();
    const rows = await trx
      .selectFrom('outlets')
      .select(['id', 'organization_id', 'address', 'place'])
      .where((eb) =>
        eb.or(
          wanted.map((w) =>
            eb.and([eb('organization_id', '=', w.organization_id), eb('address', '=', w.address), eb('place', '=', w.place)]),
          ),
        ),
      )
      .execute();
    for (const r of rows) ids.outlets.set(outletKey(r.organization_id, r.address, r.place), r.id);
  }

  const regWanted = new Map<string, { registration_number: string; organization_id: number | null; outlet_id: number | null }>();
  for (const d of recognised) {
    const reg = d.row.kkt_reg_id;
    if (typeof reg !== 'string' || regWanted.has(reg) || ids.registers.has(reg)) continue;
    const cached = cache.registers.get(reg);
    if (cached !== undefined) {
      ids.registers.set(reg, cached);
      continue;
    }
    const { orgId, outletId } = docRegistryIds(ids, d);
    regWanted.set(reg, { registration_number: reg, organization_id: orgId, outlet_id: outletId });
  }
  if (regWanted.size > 0) {
    const wanted = [...regWanted.values()].sort((a, b) => (a.registration_number < b.registration_number ? -1 : 1));
    await trx
      .insertInto('registers')
      .values(wanted)
      .onConflict((oc) => oc.column('registration_number').doNothing())
      .execute();
    const rows = await trx
      .selectFrom('registers')
      .select(['id', 'registration_number'])
      .where(
        'registration_number',
        'in',
        wanted.map((w) => w.registration_number),
      )
      .execute();
    for (const r of rows) ids.registers.set(r.registration_number, r.id);
  }
  return ids;
}

function docRegistryIds(ids: RegistryIds, d: Prepared): { orgId: number | null; outletId: number | null; registerId: number | null } {
  if (!d.fields) return { orgId: null, outletId: null, registerId: null };
  const inn = validInn(d.fields);
  const orgId = inn === null ? null : (ids.orgs.get(inn) ?? null);
  const address = str(d.fields, 'retailPlaceAddress') ?? '';
  const place = str(d.fields, 'retailPlace') ?? '';
  const outletId = orgId === null || (address === '' && place === '') ? null : (ids.outlets.get(outletKey(orgId, address, place)) ?? null);
  const reg = d.row.kkt_reg_id;
  const registerId = typeof reg === 'string' ? (ids.registers.get(reg) ?? null) : null;
  return { orgId, outletId, registerId };
}

// ---- derived state for newly inserted documents ------------------------------------------------------------------------

async function applyRegistration(trx: Transaction<Database>, d: Prepared, ids: RegistryIds): Promise<void> {
  const f = d.fields!;
  const { orgId, outletId, registerId } = docRegistryIds(ids, d);
  const dateTime = str(f, 'dateTime');
  const user = str(f, 'user');
  if (orgId !== null && user !== null) {
    await trx.updateTable('organizations').set({ name: user, updated_at: sql<Date>`now()` }).where('id', '=', orgId).execute();
  }
  if (registerId !== null) {
    // A late-arriving older report must not overwrite a newer registration.
    await trx
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
      .execute();
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
      updated_at: sql<Date>`now()`,
    })
    .where('fn', '=', d.job.fn)
    .execute();
}

async function applyOpenShift(trx: Transaction<Database>, d: Prepared, registerId: number | null): Promise<void> {
  const f = d.fields!;
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
  const f = d.fields!;
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
    .set({ closed_at: str(d.fields!, 'dateTime'), closed_fd: d.job.fd, updated_at: sql<Date>`now()` })
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

interface ShiftTotals {
  fn: string;
  shift: number | bigint;
  registerId: number | null;
  receipts: number;
  sell: bigint;
  sellReturn: bigint;
  buy: bigint;
  buyReturn: bigint;
}

function receiptRows(d: Prepared): { items: NewReceiptItem[]; codes: NewMarkingCode[] } {
  const f = d.fields!;
  const items: NewReceiptItem[] = [];
  const codes: NewMarkingCode[] = [];
  const operationType = num(f, 'operationType');
  objects(f['items']).forEach((item, itemIndex) => {
    const marking = itemMarkingCode(item);
    items.push({
      fn: d.job.fn,
      fd: d.job.fd,
      received_at: d.job.receivedAt,
      item_index: itemIndex,
      name: str(item, 'name'),
      price: int8(item, 'price'),
      quantity: decimal(item['quantity']),
      quantity_measure: num(item, 'itemsQuantityMeasure'),
      unit: str(item, 'unit'),
      sum: int8(item, 'sum'),
      nds: num(item, 'nds'),
      nds_sum: int8(item, 'ndsSum'),
      payment_type: num(item, 'paymentType'),
      product_type: num(item, 'productType'),
      marking_code: marking?.code ?? null,
    });
    if (marking) {
      codes.push({
        fn: d.job.fn,
        fd: d.job.fd,
        received_at: d.job.receivedAt,
        item_index: itemIndex,
        code: marking.code,
        code_type: marking.codeType,
        gtin: gtinOf(marking.code),
        operation_type: operationType,
        process_mode: num(item, 'labelCodeProcesMode'),
        check_result: num(item, 'checkingProdInformationResult'),
      });
    }
  });
  return { items, codes };
}

// ---- the processor --------------------------------------------------------------------------------------------------------

export function createPersistProcessor(deps: PersistProcessorDeps): PersistProcessor {
  const { db, metrics } = deps;
  const log = deps.logger;
  /**
   * Registry ids seen committed: organizations by INN, outlets, registers by registration number. They never change for
   * their key (rows are not deleted: foreign keys restrict), so a hit saves the batch six statements. Bounded.
   */
  const cache: RegistryIds = { orgs: new Map(), outlets: new Map(), registers: new Map() };
  const remember = (ids: RegistryIds): void => {
    for (const [from, to] of [
      [ids.orgs, cache.orgs],
      [ids.outlets, cache.outlets],
      [ids.registers, cache.registers],
    ] as const) {
      if (to.size + from.size > REGISTRY_CACHE_MAX) to.clear();
      for (const [k, v] of from) to.set(k, v);
    }
  };

  return async function persistBatch(payloads) {
    const results: (PersistResult | undefined)[] = new Array<PersistResult | undefined>(payloads.length);
    const prepared: Prepared[] = [];
    payloads.forEach((payload, index) => {
      const p = prepare(index, payload);
      if (p instanceof PersistJobError) results[index] = { ok: false, error: p };
      else prepared.push(p);
    });
    prepared.sort(compareDocs);

    const insertedKeys = new Set<string>();
    let committedIds: RegistryIds | undefined;
    if (prepared.length > 0) {
      await db.transaction().execute(async (trx) => {
        const ids = await ensureRegistry(trx, prepared, cache);
        committedIds = ids;
        for (const d of prepared) {
          const { outletId, registerId } = docRegistryIds(ids, d);
          d.row = { ...d.row, register_id: registerId, outlet_id: outletId };
        }
        // The same (fn, fd) twice in one batch: the first copy is stored (insertDocuments keeps the first).
        const inserted = await insertDocuments(
          trx,
          prepared.map((d) => d.row),
        );
        for (const r of inserted) insertedKeys.add(keyOf(r.fn, r.fd));
        // One Prepared per inserted key (the first one in sorted order).
        const fresh: Prepared[] = [];
        const seen = new Set<string>();
        for (const d of prepared) {
          const k = keyOf(d.job.fn, d.job.fd);
          if (insertedKeys.has(k) && !seen.has(k)) {
            seen.add(k);
            fresh.push(d);
          }
        }

        // FD numbers and gaps, every document of the batch, in (fn, fd) order (the function is idempotent).
        const fns = prepared.map((d) => d.job.fn);
        const fds = prepared.map((d) => d.job.fd);
        await sql`select ofd_record_document_number(v.fn, v.fd) from unnest(${fns}::text[], ${fds}::bigint[]) as v(fn, fd)`.execute(trx);

        const events: NewDocumentEvent[] = [];
        const items: NewReceiptItem[] = [];
        const codes: NewMarkingCode[] = [];
        const shifts = new Map<string, ShiftTotals>();
        for (const d of fresh) {
          events.push({
            fn: d.job.fn,
            fd: d.job.fd,
            received_at: d.job.receivedAt,
            at: d.job.receivedAt,
            kind: 'received',
            detail: toJson({ crypto: d.job.crypto, signStatus: d.job.signStatus, flk: d.job.flk }),
          });
          events.push({
            fn: d.job.fn,
            fd: d.job.fd,
            received_at: d.job.receivedAt,
            kind: 'persisted',
            detail: toJson({ form: d.form, derived: d.fields !== undefined }),
          });
          if (!d.fields) continue;
          const registerId = docRegistryIds(ids, d).registerId;
          if (REGISTRATION_FORMS.has(d.form)) await applyRegistration(trx, d, ids);
          else if (d.form === FORM.openShift) await applyOpenShift(trx, d, registerId);
          else if (d.form === FORM.closeShift) await applyCloseShift(trx, d, registerId);
          else if (d.form === FORM.closeArchive) await applyCloseArchive(trx, d, registerId);
          else if (RECEIPT_FORMS.has(d.form)) {
            const rows = receiptRows(d);
            items.push(...rows.items);
            codes.push(...rows.codes);
            const shift = int8(d.fields, 'shiftNumber');
            if (shift !== null) {
              const k = `${d.job.fn}:${String(shift)}`;
              let t = shifts.get(k);
              if (!t) {
                t = { fn: d.job.fn, shift, registerId, receipts: 0, sell: 0n, sellReturn: 0n, buy: 0n, buyReturn: 0n };
                shifts.set(k, t);
              }
              t.receipts += 1;
              const total = BigInt(int8(d.fields, 'totalSum') ?? 0);
              switch (num(d.fields, 'operationType')) {
                case 1:
                  t.sell += total;
                  break;
                case 2:
                  t.sellReturn += total;
                  break;
                case 3:
                  t.buy += total;
                  break;
                case 4:
                  t.buyReturn += total;
                  break;
                default:
                  break;
              }
            }
          }
        }

        // Shift running totals: one multi-row upsert (each (fn, shift) once), rows in (fn, shift) order.
        const totals = [...shifts.values()].sort((a, b) =>
          a.fn !== b.fn ? (a.fn < b.fn ? -1 : 1) : BigInt(a.shift) < BigInt(b.shift) ? -1 : BigInt(a.shift) > BigInt(b.shift) ? 1 : 0,
        );
        for (const chunk of chunks(totals)) {
          await trx
            .insertInto('shifts')
            .values(
              chunk.map((t) => ({
                fn: t.fn,
                shift_number: t.shift,
                register_id: t.registerId,
                received_receipts: t.receipts,
                sell_total_sum: t.sell,
                sell_return_total_sum: t.sellReturn,
                buy_total_sum: t.buy,
                buy_return_total_sum: t.buyReturn,
              })),
            )
            .onConflict((oc) =>
              oc.columns(['fn', 'shift_number']).doUpdateSet({
                received_receipts: sql<number>`shifts.received_receipts + excluded.received_receipts`,
                sell_total_sum: sql<number>`shifts.sell_total_sum + excluded.sell_total_sum`,
                sell_return_total_sum: sql<number>`shifts.sell_return_total_sum + excluded.sell_return_total_sum`,
                buy_total_sum: sql<number>`shifts.buy_total_sum + excluded.buy_total_sum`,
                buy_return_total_sum: sql<number>`shifts.buy_return_total_sum + excluded.buy_return_total_sum`,
                register_id: sql<number>`coalesce(shifts.register_id, excluded.register_id)`,
                updated_at: sql<Date>`now()`,
              }),
            )
            .execute();
        }
        for (const chunk of chunks(items)) await trx.insertInto('receipt_items').values(chunk).execute();
        for (const chunk of chunks(codes)) await trx.insertInto('marking_codes').values(chunk).execute();
        for (const chunk of chunks(events)) await trx.insertInto('document_events').values(chunk).execute();
      });
    }

    // Only after the commit: an id from a rolled-back transaction would name nothing.
    if (committedIds) remember(committedIds);

    const counted = new Set<string>();
    for (const d of prepared) {
      const k = keyOf(d.job.fn, d.job.fd);
      const inserted = insertedKeys.has(k) && !counted.has(k);
      if (inserted) {
        counted.add(k);
        metrics?.documents.persisted.inc({ form: String(d.form) });
      }
      results[d.index] = { ok: true, fn: d.job.fn, fd: d.job.fd, form: d.form, inserted, downstream: d.downstream };
    }
    log.debug({ jobs: payloads.length, inserted: counted.size }, 'persisted batch');
    return results.map((r) => r!);
  };
}
