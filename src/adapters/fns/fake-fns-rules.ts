/**
 * What `ofd fake-fns` checks and how it answers — pure functions, so the rules are tested without HTTP.
 *
 * Validation of one submission (a failure refuses the whole request with 400 BAD_DOCUMENT naming the document):
 * - RAW_DATA_INVALID       rawData is not a document TLV followed by exactly the 10-byte trailer, or the TLV does not
 *                          decode with protocol/document-json
 * - DOCUMENT_FORM_MISMATCH `document`'s one key is not the form rawData holds, or its `code` is not that form
 * - RAW_DATA_KEY_MISMATCH  rawData's 1041 fiscalDriveNumber / 1040 fiscalDocumentNumber are not the submission's fn / fd
 * - SIGN_MISMATCH          `messageFiscalSign` is not the trailer's 8 sign bytes as a big-endian uint64
 * - DOCUMENT_MISMATCH      the document's fields are not what rawData decodes to (key order and 64-bit-as-string aside)
 *
 * The answer for a valid document — the first rule that applies:
 * 1. rejected — the FNS's ФЛК on totals, for receipts and BSO (forms 3, 4, 31, 41):
 *      FLK_TOTAL_MISSING  (tag 1020) no totalSum;
 *      FLK_PAYMENTS_SUM   (tag 1020) totalSum ≠ cash 1031 + ecash 1081 + prepaid 1215 + credit 1216 + provision 1217;
 *      FLK_ITEMS_SUM      (tag 1043) forms 3 and 4 with items: Σ items[].sum ≠ totalSum.
 *    Every failing check is listed.
 * 2. quarantine — TAXPAYER_UNKNOWN (tag 1018): userInn is present but its check digits are wrong, so the document
 *    cannot be attributed to a taxpayer.
 * 3. accepted_with_warnings — CASHIER_MISSING (tag 1021): a receipt or BSO without the cashier (`operator`).
 * 4. accepted.
 */
import { ProtocolError } from '../../../protocol/errors.js';
import { decodeDocument, fieldObjects, type FieldObject, type FieldValue } from '../../../protocol/document-json.js';
import { TLV_HEADER_LENGTH } from '../../../protocol/tlv.js';
import { CONTAINER_TRAILER_LENGTH } from '../../../protocol/container.js';
import { isValidInn } from '../../domain/inn.js';
import { toJsonValue } from '../../domain/json-value.js';
import type { FnsDocumentSubmission, FnsStatus, FnsTagError } from './fns-api.js';

export const SubmissionProblemCodes = {
  RAW_DATA_INVALID: 'RAW_DATA_INVALID',
  DOCUMENT_FORM_MISMATCH: 'DOCUMENT_FORM_MISMATCH',
  RAW_DATA_KEY_MISMATCH: 'RAW_DATA_KEY_MISMATCH',
  SIGN_MISMATCH: 'SIGN_MISMATCH',
  DOCUMENT_MISMATCH: 'DOCUMENT_MISMATCH',
} as const;

export interface SubmissionProblem {
  readonly ok: false;
  readonly fn: string;
  readonly fd: number;
  readonly code: (typeof SubmissionProblemCodes)[keyof typeof SubmissionProblemCodes];
  readonly message: string;
}

export interface CheckedSubmission {
  readonly ok: true;
  readonly form: number;
  readonly formName: string;
  readonly fields: FieldObject;
}

export interface Judgement {
  readonly status: FnsStatus;
  readonly errors: readonly FnsTagError[];
}

/** JSON text with object keys sorted at every level and bigints as decimal strings: equal text = equal document. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  // Plain JSON values first (bigints as decimal strings): src/domain/json-value.ts, as the submission was built.
  return JSON.stringify(sort(toJsonValue(value)));
}

export function checkSubmission(sub: FnsDocumentSubmission): CheckedSubmission | SubmissionProblem {
  const problem = (code: SubmissionProblem['code'], message: string): SubmissionProblem => ({ ok: false, fn: sub.fn, fd: sub.fd, code, message });
  const raw = Buffer.from(sub.rawData, 'base64');
  if (raw.length < TLV_HEADER_LENGTH + CONTAINER_TRAILER_LENGTH) {
    return problem('RAW_DATA_INVALID', `rawData has ${raw.length} bytes: too short for a document and its trailer`);
  }
  const documentLength = TLV_HEADER_LENGTH + raw.readUInt16LE(2);
  if (documentLength + CONTAINER_TRAILER_LENGTH !== raw.length) {
    return problem('RAW_DATA_INVALID', `rawData: document TLV of ${documentLength} bytes + 10-byte trailer ≠ ${raw.length} bytes`);
  }
  let decoded;
  try {
    decoded = decodeDocument(raw.subarray(0, documentLength));
  } catch (e) {
    const code = e instanceof ProtocolError ? `${e.code}: ` : '';
    return problem('RAW_DATA_INVALID', `rawData does not decode: ${code}${(e as Error).message}`);
  }
  const fields = decoded.json[decoded.formName]!;
  const keys = Object.keys(sub.document);
  const sent = sub.document[decoded.formName];
  if (keys.length !== 1 || sent === undefined || sent['code'] !== decoded.form) {
    return problem('DOCUMENT_FORM_MISMATCH', `document is ${JSON.stringify(keys)}, rawData holds ${decoded.formName} (form ${decoded.form})`);
  }
  if (fields['fiscalDriveNumber'] !== sub.fn || Number(fields['fiscalDocumentNumber']) !== sub.fd) {
    return problem(
      'RAW_DATA_KEY_MISMATCH',
      `rawData is (${String(fields['fiscalDriveNumber'])}, ${String(fields['fiscalDocumentNumber'])}), the submission (${sub.fn}, ${sub.fd})`,
    );
  }
  const { messageFiscalSign, rawData: _rawData, ...sentFields } = sent;
  const sign = raw.readBigUInt64BE(documentLength).toString();
  if (messageFiscalSign !== undefined && String(messageFiscalSign) !== sign) {
    return problem('SIGN_MISMATCH', `messageFiscalSign ${String(messageFiscalSign)} ≠ the trailer's ${sign}`);
  }
  if (canonicalJson(sentFields) !== canonicalJson(fields)) {
    return problem('DOCUMENT_MISMATCH', 'the document fields differ from what rawData decodes to');
  }
  return { ok: true, form: decoded.form, formName: decoded.formName, fields };
}

// ---- the answer rules ------------------------------------------------------------------------------------------------

const RECEIPT_FORMS: ReadonlySet<number> = new Set([3, 4, 31, 41]);
const ITEM_FORMS: ReadonlySet<number> = new Set([3, 4]);
const PAYMENT_FIELDS = ['cashTotalSum', 'ecashTotalSum', 'prepaidSum', 'creditSum', 'provisionSum'] as const;

/** Kopecks as an exact integer: numbers, bigints and decimal strings (64-bit values arrive as strings). */
function kopecks(v: FieldValue | undefined): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  return undefined;
}

export function judgeDocument(form: number, fields: FieldObject): Judgement {
  const isReceipt = RECEIPT_FORMS.has(form);
  if (isReceipt) {
    const failures: FnsTagError[] = [];
    const total = kopecks(fields['totalSum']);
    if (total === undefined) {
      failures.push({ tag: 1020, code: 'FLK_TOTAL_MISSING', message: 'totalSum (1020) is missing' });
    } else {
      const paid = PAYMENT_FIELDS.reduce((sum, name) => sum + (kopecks(fields[name]) ?? 0n), 0n);
      if (paid !== total) {
        failures.push({ tag: 1020, code: 'FLK_PAYMENTS_SUM', message: `totalSum ${total} ≠ payments ${paid}` });
      }
      const items = fieldObjects(fields['items']);
      if (ITEM_FORMS.has(form) && items.length > 0) {
        const itemsSum = items.reduce((sum, item) => sum + (kopecks(item['sum']) ?? 0n), 0n);
        if (itemsSum !== total) failures.push({ tag: 1043, code: 'FLK_ITEMS_SUM', message: `Σ items.sum ${itemsSum} ≠ totalSum ${total}` });
      }
    }
    if (failures.length > 0) return { status: 'rejected', errors: failures };
  }
  const inn = fields['userInn'];
  if (typeof inn === 'string' && inn.trim() !== '' && !isValidInn(inn.trim())) {
    return {
      status: 'quarantine',
      errors: [{ tag: 1018, code: 'TAXPAYER_UNKNOWN', message: `userInn ${inn.trim()} has wrong check digits` }],
    };
  }
  if (isReceipt && (typeof fields['operator'] !== 'string' || fields['operator'].trim() === '')) {
    return { status: 'accepted_with_warnings', errors: [{ tag: 1021, code: 'CASHIER_MISSING', message: 'the cashier (1021) is missing' }] };
  }
  return { status: 'accepted', errors: [] };
}
