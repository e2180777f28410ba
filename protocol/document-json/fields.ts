/** The JSON shapes of a decoded document and what decoder and encoder share (see ../document-json.ts). */
import { ProtocolError } from '../errors.js';
import { TAG_ROWS } from '../tags/index.js';

export type FieldValue = number | bigint | string | null | FieldObject | FieldValue[];
export interface FieldObject {
  [name: string]: FieldValue;
}

/**
 * An STLV field as a list of objects, whether it occurred once or repeated (a repeatable tag decodes to an array, a
 * single occurrence of another to an object); anything else is no objects.
 */
export function fieldObjects(v: FieldValue | undefined): FieldObject[] {
  const isObject = (x: FieldValue | undefined): x is FieldObject => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (Array.isArray(v)) return v.filter(isObject);
  return isObject(v) ? [v] : [];
}

/** The fields of one document: `code` = the form, plus the container-level hooks of §9 (never set by this codec). */
export type DocumentFields = FieldObject & {
  code: number;
  /** ФПС as a decimal string (§5.1) — added by the container code. */
  messageFiscalSign?: string;
  /** Base64 of the raw document (TLV + trailer) — added by the container code. */
  rawData?: string;
};

/** `{ "<formName>": DocumentFields }` — exactly one key. */
export type FnsDocument = Record<string, DocumentFields>;

export interface DecodedDocument {
  form: number;
  /** FNS name of the form (`receipt`), `form81` … `form84` for the marking forms. */
  formName: string;
  json: FnsDocument;
  /** The document-level 1077 value as received (`[type][04][4 bytes]`), a copy; undefined without one. */
  fiscalSignRaw: Buffer | undefined;
}

export interface EncodeOptions {
  /** `[type][04]` for 1077 (§5.1). Default `21 04`; pass `fiscalSignRaw.subarray(0, 2)` to keep a decoded document's. */
  fiscalSignPrefix?: Uint8Array;
}

export const TAG_FISCAL_SIGN = 1077;

/**
 * Document-level JSON fields with no tag, skipped by the encoder. FNS JSON as served to buyers carries them
 * (vectors/fns-receipt-ffd12.json); none is part of the document the FN signs.
 */
export const IGNORED_DOCUMENT_FIELDS: ReadonlySet<string> = new Set([
  'messageFiscalSign', // ФПС: container trailer (§2.2, §5.1)
  'rawData', // the raw document, base64 (§9)
  'metadata', // the FNS's own record: id, ofdId, receiveDate, …
  'redefine_mask', // FNS bookkeeping
  'numberKkt', // FNS-side register number; no tag (the register's own serial is 1013 kktNumber)
  'region', // FNS-side region code; no tag
]);

/**
 * Real documents nest STLVs 3 deep (receipt → 1059 → 1223 / 1163 / 1291; closeShift → 1157 → 1129). Any named STLV
 * decodes inside any other, so without a cap 1059 (max 1024 bytes) could nest 255 levels, each keeping a stamp array
 * (see walk) for the life of the process.
 */
export const MAX_STLV_DEPTH = 8;

const RAW_KEY = /^tlv(0|[1-9]\d{0,4})$/;
/** Tags below this are forms (document level), from it on fields. */
export const FIRST_FIELD_TAG = 1000;

export function rawKeyTag(key: string): number | undefined {
  const m = RAW_KEY.exec(key);
  const tag = m ? Number(m[1]) : NaN;
  return tag <= 0xffff ? tag : undefined;
}

export function badDocument(msg: string): never {
  throw new ProtocolError('JSON_BAD_DOCUMENT', msg);
}

/** Per-tag arrays are indexed by tag over the dictionary's range. */
export const TAG_SLOTS = Math.max(...TAG_ROWS.map((r) => r.tag)) + 1;
