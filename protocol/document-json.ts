/**
 * A document TLV (§2.2: one TLV whose tag is the form code) ⇄ FNS JSON (§9), for every form of §4 and FFD 1.0 – 1.2.
 *
 * Shape: `{ "<formName>": { code: <form>, ...fields } }`, fields named by the tag dictionary (protocol/tags), values as
 * in values.ts. Beyond that:
 * - STLVs are objects. Repeatable tags (TSV `repeatable`, e.g. 1059 `items`) are always arrays. A tag the dictionary
 *   says occurs once but that occurs several times becomes an array too, so nothing is lost; the encoder writes any array
 *   as repeated TLVs.
 * - `fiscalSign` (1077) is the printed number (§5.1). The raw 6 bytes of the document-level 1077 come back beside the
 *   JSON (`fiscalSignRaw`); the encoder writes `[type][04]` from `EncodeOptions.fiscalSignPrefix`, default `21 04`.
 * - Raw tags: a tag that is not in the dictionary, has no FNS name, or whose name under this parent would mean another
 *   tag (e.g. 1201 at document level, where `totalSum` is 1020 — §5) is kept as `tlv<tag>` (decimal, e.g. `tlv1058`)
 *   with its value in base64; repeated, an array of those. The encoder writes `tlv<tag>` keys back byte for byte.
 * - Order: the decoder takes tags in any order; keys appear in first-occurrence order, and the encoder writes fields in
 *   key order. So encode(decode(x)) = x whenever x keeps repeated tags together and its values are canonical (minimal
 *   VLN, full-width padded strings) — true of what this encoder writes, and of the captured documents we have.
 * - `code` is the form; `messageFiscalSign` and `rawData` (container level, §9) are left to the container code: they may
 *   be present and the encoder skips them, with the other metadata fields in IGNORED_DOCUMENT_FIELDS.
 */
import { Cp866Text } from './cp866.js';
import { ProtocolError } from './errors.js';
import { formCode, formName, jsonNameFor, TAG_ROWS, tagDef, tagForJsonName, type TagRow } from './tags/index.js';
import { TLV_HEADER_LENGTH } from './tlv.js';
import { TlvWriter } from './tlv-writer.js';
import {
  checkMaxLength,
  decodeBase64,
  decodeFiscalSign,
  decodeScalar,
  DEFAULT_FISCAL_SIGN_PREFIX,
  encodeFiscalSign,
  encodeScalar,
} from './values.js';

export type FieldValue = number | bigint | string | null | FieldObject | FieldValue[];
export interface FieldObject {
  [name: string]: FieldValue;
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
const FIRST_FIELD_TAG = 1000;

function rawKeyTag(key: string): number | undefined {
  const m = RAW_KEY.exec(key);
  const tag = m ? Number(m[1]) : NaN;
  return tag <= 0xffff ? tag : undefined;
}

function badDocument(msg: string): never {
  throw new ProtocolError('JSON_BAD_DOCUMENT', msg);
}

// ---- decode ----

interface DecodeContext {
  fiscalSignRaw: Buffer | undefined;
  text: Cp866Text;
}

/** Decodes one document TLV: the whole buffer must be that TLV. */
export function decodeDocument(documentTlv: Buffer): DecodedDocument {
  if (documentTlv.length < TLV_HEADER_LENGTH) {
    throw new ProtocolError('TLV_TRUNCATED', `${documentTlv.length} byte(s): no document TLV header`, 0);
  }
  const form = documentTlv.readUInt16LE(0);
  const end = TLV_HEADER_LENGTH + documentTlv.readUInt16LE(2);
  const name = formName(form);
  if (name === undefined) throw new ProtocolError('TLV_BAD_VALUE', `tag ${form} is not a document form (§4)`, 0);
  if (end > documentTlv.length) {
    throw new ProtocolError('TLV_TRUNCATED', `document announces ${end} bytes, ${documentTlv.length} present`, 0);
  }
  if (end < documentTlv.length) {
    throw new ProtocolError('TLV_BAD_VALUE', `${documentTlv.length - end} byte(s) after the document TLV`, end);
  }
  checkMaxLength(tagDef(form)!, end - TLV_HEADER_LENGTH, 0);
  const ctx: DecodeContext = { fiscalSignRaw: undefined, text: new Cp866Text(documentTlv, 0, end) };
  const fields = newFieldObject() as DocumentFields;
  fields.code = form;
  walk(documentTlv, TLV_HEADER_LENGTH, end, form, fields, ctx);
  return { form, formName: name, json: { [name]: fields }, fiscalSignRaw: ctx.fiscalSignRaw };
}

/** The TLVs in `buf[start, end)` as the fields of a `parent` (a form code or an STLV tag), e.g. an STLV's value. */
export function decodeFields(buf: Buffer, parent: number, start = 0, end = buf.length): FieldObject {
  const out = newFieldObject();
  walk(buf, start, end, parent, out, { fiscalSignRaw: undefined, text: new Cp866Text(buf, start, end) });
  return out;
}

/**
 * Decodes the TLVs in `buf[start, end)`, children of `parent`, into `out`. Walks offsets rather than `readTlvs`
 * (which makes an object and a Buffer view per TLV): this is the per-document hot path.
 */
function walk(
  buf: Buffer,
  start: number,
  end: number,
  parent: number,
  out: FieldObject,
  ctx: DecodeContext,
  depth = 0,
): void {
  const seen = (seenByDepth[depth] ??= new Uint32Array(SEEN_TAGS));
  const mark = (walkStamp = (walkStamp + 1) >>> 0 || 1);
  let off = start;
  while (off < end) {
    if (end - off < TLV_HEADER_LENGTH) {
      throw new ProtocolError('TLV_TRUNCATED', `${end - off} stray byte(s) where a TLV header (4) was expected`, off);
    }
    // The check above keeps these four reads inside `end` (≤ buf.length), so no Buffer method bounds checks.
    const tag = buf[off]! | (buf[off + 1]! << 8);
    const valueStart = off + TLV_HEADER_LENGTH;
    const valueEnd = valueStart + (buf[off + 2]! | (buf[off + 3]! << 8));
    if (valueEnd > end) {
      throw new ProtocolError('TLV_TRUNCATED', `tag ${tag} announces ${valueEnd - valueStart} bytes, ${end - valueStart} remain`, off);
    }
    const name = jsonNameFor(tag, parent);
    let key: string;
    let value: FieldValue;
    let repeatable = false;
    if (name === undefined) {
      key = `tlv${tag}`;
      value = buf.toString('base64', valueStart, valueEnd);
    } else {
      const def = tagDef(tag)!;
      key = name;
      value = decodeValue(def, buf, valueStart, valueEnd, parent, ctx, depth);
      repeatable = def.repeatable;
    }
    // First time this tag under this parent: store without reading the key first (that read of a missing key cost a
    // third of the decode time). Tags outside SEEN_TAGS and every later occurrence take the checking path.
    if (tag < SEEN_TAGS && seen[tag] !== mark) {
      seen[tag] = mark;
      out[key] = repeatable ? [value] : value;
    } else addField(out, key, value, repeatable);
    off = valueEnd;
  }
}

/** Tags with a stamp slot: the dictionary's range; others (unknown tags) take the checking path. */
const SEEN_TAGS = Math.max(...TAG_ROWS.map((r) => r.tag)) + 1;
/** Per nesting depth, the stamp of the walk that last stored each tag; a nested walk never touches its parent's. */
const seenByDepth: Uint32Array[] = [];
/** Stamps are never 0 (fresh arrays). A wrapped-around stamp can only make a tag look seen: that takes the checking
 *  path, which is always correct. */
let walkStamp = 0;

function decodeValue(
  def: TagRow,
  buf: Buffer,
  start: number,
  end: number,
  parent: number,
  ctx: DecodeContext,
  depth: number,
): FieldValue {
  if (def.type === 'stlv') {
    checkMaxLength(def, end - start, start);
    if (depth >= MAX_STLV_DEPTH) {
      throw new ProtocolError('TLV_BAD_VALUE', `STLVs nested deeper than ${MAX_STLV_DEPTH} levels`, start);
    }
    const obj = newFieldObject();
    walk(buf, start, end, def.tag, obj, ctx, depth + 1);
    return obj;
  }
  if (def.tag === TAG_FISCAL_SIGN) {
    const sign = decodeFiscalSign(def, buf, start, end);
    if (parent < FIRST_FIELD_TAG && sign !== null) ctx.fiscalSignRaw = Buffer.from(buf.subarray(start, end));
    return sign;
  }
  return decodeScalar(def, buf, start, end, ctx.text);
}

/**
 * Plain objects (prototype Object.prototype, indistinguishable from `{}`) made by a constructor, because V8 sizes a
 * constructor's objects by the fields they received (in-object slack tracking) while `{}` starts with 4 slots and
 * grows a backing store: ~5% of a receipt's decode time (bench/document-json.bench.ts).
 */
function PlainObject(): void {}
PlainObject.prototype = Object.prototype;
const newFieldObject = (): FieldObject => new (PlainObject as unknown as new () => FieldObject)();

function addField(out: FieldObject, key: string, value: FieldValue, repeatable: boolean): void {
  const prev = out[key];
  if (prev === undefined) out[key] = repeatable ? [value] : value;
  // Values themselves are never arrays, so an array here is the list of occurrences.
  else if (Array.isArray(prev)) prev.push(value);
  else out[key] = [prev, value];
}

// ---- encode ----

/** `{ "<formName>": { ...fields } }` → the document TLV's wire bytes. */
export function encodeDocument(json: Readonly<Record<string, unknown>>, options: EncodeOptions = {}): Buffer {
  const keys = Object.keys(json);
  const form = keys.length === 1 ? formCode(keys[0]!) : undefined;
  if (form === undefined) {
    badDocument(`a document is one {"<formName>": {...}} object; got keys ${JSON.stringify(keys)}`);
  }
  return encodeDocumentFields(form, json[keys[0]!], options);
}

/** The document TLV of form `form` from its fields (`code`, when present, must equal `form`). */
export function encodeDocumentFields(form: number, fields: unknown, options: EncodeOptions = {}): Buffer {
  const def = tagDef(form);
  const name = formName(form);
  if (def === undefined || name === undefined) badDocument(`${form} is not a document form (§4)`);
  const obj = asObject(fields, name);
  if (obj.code !== undefined && obj.code !== form) badDocument(`${name}.code is ${JSON.stringify(obj.code)}, not ${form}`);
  const prefix = options.fiscalSignPrefix ?? DEFAULT_FISCAL_SIGN_PREFIX;
  if (prefix.length !== 2) throw new RangeError('fiscalSignPrefix must be 2 bytes');
  const w = new TlvWriter();
  const at = w.open(form);
  encodeFields(w, obj, form, name, prefix, 0);
  w.close(at, def.maxLength);
  return w.toBuffer();
}

function asObject(value: unknown, path: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) badDocument(`${path}: expected an object`);
  return value as Record<string, unknown>;
}

function encodeFields(
  w: TlvWriter,
  obj: Readonly<Record<string, unknown>>,
  parent: number,
  path: string,
  prefix: Readonly<Uint8Array>,
  depth: number,
): void {
  const documentLevel = parent < FIRST_FIELD_TAG;
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    if (value === undefined || (documentLevel && (key === 'code' || IGNORED_DOCUMENT_FIELDS.has(key)))) continue;
    const where = `${path}.${key}`;
    const rawTag = rawKeyTag(key);
    const tag = rawTag ?? tagForJsonName(key, parent);
    if (tag === undefined) throw atPath(new ProtocolError('JSON_BAD_DOCUMENT', `no such field under tag ${parent}`), where);
    const def = rawTag === undefined ? tagDef(tag)! : undefined;
    const items = Array.isArray(value) ? value : [value];
    for (let i = 0; i < items.length; i++) {
      const itemPath = Array.isArray(value) ? `${where}[${i}]` : where;
      try {
        if (def === undefined) w.write(tag, decodeBase64({ tag, type: 'bytes' }, items[i]));
        else encodeField(w, def, items[i], itemPath, prefix, depth);
      } catch (e) {
        throw atPath(e, itemPath);
      }
    }
  }
}

function encodeField(
  w: TlvWriter,
  def: TagRow,
  value: unknown,
  path: string,
  prefix: Readonly<Uint8Array>,
  depth: number,
): void {
  if (def.type === 'stlv') {
    if (depth >= MAX_STLV_DEPTH) badDocument(`STLVs nested deeper than ${MAX_STLV_DEPTH} levels`);
    const at = w.open(def.tag);
    if (value !== null) encodeFields(w, asObject(value, path), def.tag, path, prefix, depth + 1);
    w.close(at, def.maxLength);
  } else if (def.tag === TAG_FISCAL_SIGN) {
    w.write(def.tag, encodeFiscalSign(def, value, prefix));
  } else {
    w.write(def.tag, encodeScalar(def, value));
  }
}

/** Errors that already name their JSON path: the innermost catch knows the full path, outer ones pass it on. */
const withPath = new WeakSet<ProtocolError>();

function atPath(e: unknown, path: string): unknown {
  if (!(e instanceof ProtocolError) || withPath.has(e)) return e;
  const out = new ProtocolError(e.code, `${path}: ${e.message}`);
  withPath.add(out);
  return out;
}
