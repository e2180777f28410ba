/**
 * What a stored document turns into, computed from its raw container alone (no I/O, no clock): the
 * document columns, receipt items and marking codes, what to send downstream, its contribution to its shift's running
 * totals. The persist processor runs it on every job; `ofd reprocess` runs it again on stored raw bytes after a decoder
 * fix, so both always agree.
 */
import { decodeContainer, type Container } from '../../../protocol/container.js';
import { decodeDocument, fieldObjects, type DocumentFields, type FieldObject, type FieldValue } from '../../../protocol/document-json.js';
import type { BatchItem, BatchMarkingCode, DocumentColumns, JsonInt8 } from '../../db/document-batch.repository.js';
import { itemValues } from '../../db/stored-items.js';
import type { NotifyChannel } from '../../queue/jobs.js';
import { CodedError } from '../../domain/errors.js';

/** ФЛК code the gateway gives a document it could not recognise: stored raw, nothing derived. */
export { DOC_UNRECOGNISED } from '../../domain/unrecognised-document.js';

/** Form codes (spec §4). */
export const FORM = {
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
export const REGISTRATION_FORMS: ReadonlySet<number> = new Set([FORM.registration, FORM.registrationChange]);
export const RECEIPT_FORMS: ReadonlySet<number> = new Set([FORM.receipt, FORM.bso, FORM.receiptCorrection, FORM.bsoCorrection]);

const INN = /^(\d{10}|\d{12})$/;

export type DeriveErrorCode = 'PERSIST_BAD_CONTAINER' | 'PERSIST_KEY_MISMATCH';

export class DeriveError extends CodedError<DeriveErrorCode> {
  override readonly name = 'DeriveError';
}

/** What to send downstream for one document once its transaction committed. */
export interface Downstream {
  readonly fns: boolean;
  readonly crpt: boolean;
  readonly notify: { readonly channel: NotifyChannel; readonly recipient: string } | undefined;
}

/** A receipt's contribution to the running totals of its shift (shifts.received_receipts, *_total_sum). */
export interface ShiftContribution {
  readonly shift: JsonInt8;
  readonly operationType: number | null;
  readonly totalSum: bigint;
}

/** 1055 and the VAT totals 1102–1107, as the report rollups count them (src/reports/rollups.ts). */
export interface ReportMeasures {
  readonly taxation_type: number | null;
  readonly nds20_sum: JsonInt8 | null;
  readonly nds10_sum: JsonInt8 | null;
  readonly nds0_base: JsonInt8 | null;
  readonly nds_no_base: JsonInt8 | null;
  readonly nds20_120_sum: JsonInt8 | null;
  readonly nds10_110_sum: JsonInt8 | null;
}

export interface DeriveInput {
  readonly fn: string;
  readonly fd: number;
  /** ISO 8601; the partition key the derived rows carry. */
  readonly receivedAt: string;
  /** The form the gateway announced: kept when the document is not decoded. */
  readonly form: number;
  readonly raw: Buffer;
  /** The gateway could not recognise it: keep it raw, derive nothing. */
  readonly unrecognised: boolean;
}

export interface DerivedDocument {
  readonly form: number;
  /** undefined: not recognised, stored raw only. */
  readonly formName: string | undefined;
  /** The decoded fields (the FNS JSON body; not stored: readers derive it from raw_container, src/db/fns-json.ts). */
  readonly fields: DocumentFields | undefined;
  readonly columns: DocumentColumns;
  /** What the report rollups take from the FNS JSON beyond the document columns. */
  readonly reportMeasures: ReportMeasures;
  readonly items: BatchItem[];
  readonly codes: BatchMarkingCode[];
  readonly downstream: Downstream;
  /** Receipts with a shift number only. */
  readonly shiftContribution: ShiftContribution | undefined;
}

// ---- field access -------------------------------------------------------------------------------------------------

function isObject(v: FieldValue | undefined): v is FieldObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(f: FieldObject, name: string): string | null {
  const v = f[name];
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? null : t;
  }
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return null;
}

export function num(f: FieldObject, name: string): number | null {
  const v = f[name];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/** Int8 columns: a bigint stays exact. */
export function int8(f: FieldObject, name: string): number | bigint | null {
  const v = f[name];
  return typeof v === 'number' || typeof v === 'bigint' ? v : null;
}

/** Int8 for a JSON batch: a bigint travels as its decimal string. */
function int8Json(f: FieldObject, name: string): JsonInt8 | null {
  const v = f[name];
  if (typeof v === 'number') return v;
  return typeof v === 'bigint' ? v.toString() : null;
}

export function bool(f: FieldObject, name: string): boolean | null {
  const v = num(f, name);
  return v === null ? null : v !== 0;
}

const jsonReplacer = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** JSON text; bigints become decimal strings. */
export function toJson(v: unknown): string {
  try {
    // Without a replacer JSON.stringify is about twice as fast, and bigints (values beyond 2^53) are rare.
    return JSON.stringify(v);
  } catch (e) {
    if (e instanceof TypeError) return JSON.stringify(v, jsonReplacer);
    throw e;
  }
}

export function validInn(f: FieldObject): string | null {
  const inn = str(f, 'userInn');
  return inn !== null && INN.test(inn) ? inn : null;
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

// ---- derivation -----------------------------------------------------------------------------------------------------

function documentColumns(f: FieldObject): DocumentColumns {
  return {
    ffd_version: num(f, 'fiscalDocumentFormatVer'),
    date_time: str(f, 'dateTime'),
    kkt_reg_id: str(f, 'kktRegId'),
    user_inn: str(f, 'userInn'),
    shift_number: int8Json(f, 'shiftNumber'),
    request_number: int8Json(f, 'requestNumber'),
    operation_type: num(f, 'operationType'),
    total_sum: int8Json(f, 'totalSum'),
    cash_total_sum: int8Json(f, 'cashTotalSum'),
    ecash_total_sum: int8Json(f, 'ecashTotalSum'),
    prepaid_sum: int8Json(f, 'prepaidSum'),
    credit_sum: int8Json(f, 'creditSum'),
    provision_sum: int8Json(f, 'provisionSum'),
    fiscal_sign: int8Json(f, 'fiscalSign'),
    ...reportMeasures(f),
    buyer_contact: typeof f['buyerPhoneOrAddress'] === 'string' ? f['buyerPhoneOrAddress'] : null,
  };
}

function reportMeasures(f: FieldObject): ReportMeasures {
  return {
    taxation_type: num(f, 'appliedTaxationType'),
    nds20_sum: int8Json(f, 'nds18'),
    nds10_sum: int8Json(f, 'nds10'),
    nds0_base: int8Json(f, 'nds0'),
    nds_no_base: int8Json(f, 'ndsNo'),
    nds20_120_sum: int8Json(f, 'nds18118'),
    nds10_110_sum: int8Json(f, 'nds10110'),
  };
}

function receiptRows(f: FieldObject, itemList: readonly FieldObject[]): { items: BatchItem[]; codes: BatchMarkingCode[] } {
  const items: BatchItem[] = [];
  const codes: BatchMarkingCode[] = [];
  const operationType = num(f, 'operationType');
  itemList.forEach((item, itemIndex) => {
    const marking = itemMarkingCode(item);
    items.push({
      item_index: itemIndex,
      name: str(item, 'name'),
      // Price, quantity and sum as the readers of stored items decode them (stored-items.ts): one derivation.
      ...itemValues(item),
      quantity_measure: num(item, 'itemsQuantityMeasure'),
      unit: str(item, 'unit'),
      nds: num(item, 'nds'),
      nds_sum: int8Json(item, 'ndsSum'),
      payment_type: num(item, 'paymentType'),
      product_type: num(item, 'productType'),
      marking_code: marking?.code ?? null,
    });
    if (marking) {
      codes.push({
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

const NOTHING_DOWNSTREAM: Downstream = { fns: false, crpt: false, notify: undefined };

/** A document kept with its raw container only: nothing derived (its ФПС is read from the container, message-fiscal-sign.ts). */
function rawOnly(form: number): DerivedDocument {
  return {
    form,
    formName: undefined,
    fields: undefined,
    columns: documentColumns({}),
    reportMeasures: reportMeasures({}),
    items: [],
    codes: [],
    downstream: NOTHING_DOWNSTREAM,
    shiftContribution: undefined,
  };
}

/** Decodes the raw container and derives everything from it; a DeriveError when it does not decode. */
export function deriveDocument(input: DeriveInput): DerivedDocument | DeriveError {
  let container: Container | undefined;
  try {
    container = decodeContainer(input.raw);
  } catch (e) {
    if (!input.unrecognised) return new DeriveError('PERSIST_BAD_CONTAINER', `container does not decode: ${(e as Error).message}`);
  }
  if (container && (container.header.fiscalDriveNumber !== input.fn || container.header.fiscalDocumentNumber !== input.fd)) {
    return new DeriveError(
      'PERSIST_KEY_MISMATCH',
      `job (${input.fn}, ${input.fd}) carries container (${container.header.fiscalDriveNumber}, ${container.header.fiscalDocumentNumber})`,
    );
  }
  if (!container || input.unrecognised) return rawOnly(input.form);

  let fields: DocumentFields;
  let formName: string;
  let form: number;
  try {
    const decoded = decodeDocument(container.document);
    formName = decoded.formName;
    form = decoded.form;
    fields = decoded.json[decoded.formName]!;
  } catch (e) {
    return new DeriveError('PERSIST_BAD_CONTAINER', `document does not decode: ${(e as Error).message}`);
  }
  const isReceipt = RECEIPT_FORMS.has(form);
  const itemList = isReceipt ? fieldObjects(fields['items']) : [];
  const { items, codes } = isReceipt ? receiptRows(fields, itemList) : { items: [], codes: [] };
  const buyer = isReceipt ? str(fields, 'buyerPhoneOrAddress') : null;
  const shift = isReceipt ? int8Json(fields, 'shiftNumber') : null;
  return {
    form,
    formName,
    fields,
    columns: documentColumns(fields),
    reportMeasures: reportMeasures(fields),
    items,
    codes,
    downstream: {
      fns: true,
      crpt: codes.length > 0,
      notify: buyer === null ? undefined : { channel: buyer.includes('@') ? 'email' : 'sms', recipient: buyer },
    },
    shiftContribution:
      shift === null ? undefined : { shift, operationType: num(fields, 'operationType'), totalSum: BigInt(int8(fields, 'totalSum') ?? 0) },
  };
}
