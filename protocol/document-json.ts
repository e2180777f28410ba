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
import { formCode, formName, jsonNameFor, TAG_ROWS, tagDef, tagForJsonName, type TagRow, type TagType } from './tags/index.js';
import { TLV_HEADER_LENGTH } from './tlv.js';
import { TlvWriter } from './tlv-writer.js';
import {
  checkMaxLength,
  decodeBase64,
  decodeFiscalSign,
  decodeFvlnJson,
  decodeScalar,
  decodeVln,
  DEFAULT_FISCAL_SIGN_PREFIX,
  encodeFiscalSign,
  encodeScalar,
  formatUnixtime,
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
  const fields = walk(documentTlv, TLV_HEADER_LENGTH, end, form, ctx, 0, form) as DocumentFields;
  return { form, formName: name, json: { [name]: fields }, fiscalSignRaw: ctx.fiscalSignRaw };
}

/** The TLVs in `buf[start, end)` as the fields of a `parent` (a form code or an STLV tag), e.g. an STLV's value. */
export function decodeFields(buf: Buffer, parent: number, start = 0, end = buf.length): FieldObject {
  return walk(buf, start, end, parent, { fiscalSignRaw: undefined, text: new Cp866Text(buf, start, end) }, 0, NO_CODE);
}

/**
 * Per-tag facts the walk reads per TLV, in flat arrays indexed by tag (the dictionary's range, TAG_SLOTS): a
 * small-integer kind instead of the row's type string, the name under a form and under an STLV (they differ only for
 * the shared names, see jsonNameFor), the maximum length, the padding byte, repeatability.
 */
const TAG_SLOTS = Math.max(...TAG_ROWS.map((r) => r.tag)) + 1;
const K_STLV = 1;
const K_STRING = 2;
const K_BYTES = 3;
const K_VLN = 4;
const K_FVLN = 5;
const K_UINT8 = 6;
const K_UINT16 = 7;
const K_UINT32 = 8;
const K_UNIXTIME = 9;
const K_FISCAL_SIGN = 10;
const KIND_OF_TYPE: Readonly<Record<TagType, number>> = {
  stlv: K_STLV,
  string: K_STRING,
  bytes: K_BYTES,
  vln: K_VLN,
  fvln: K_FVLN,
  byte: K_UINT8,
  bool: K_UINT8,
  bitmask8: K_UINT8,
  uint16: K_UINT16,
  uint32: K_UINT32,
  bitmask32: K_UINT32,
  unixtime: K_UNIXTIME,
};
/** No maximum: a TLV length (≤ 0xFFFF) never exceeds it. */
const NO_MAX = 0x10000;
const KIND = new Uint8Array(TAG_SLOTS);
const MAX_LENGTH = new Int32Array(TAG_SLOTS).fill(NO_MAX);
/** The padding byte trimmed from the end of a string, or -1. */
const PAD_BYTE = new Int16Array(TAG_SLOTS).fill(-1);
const REPEATABLE = new Uint8Array(TAG_SLOTS);
/** `jsonNameFor(tag, parent)` depends on the parent only through "is it a form": one array for each answer. */
const NAMES_UNDER_FORM: Array<string | undefined> = [];
const NAMES_UNDER_STLV: Array<string | undefined> = [];
for (let tag = 0; tag < TAG_SLOTS; tag++) {
  NAMES_UNDER_FORM.push(jsonNameFor(tag, 0));
  NAMES_UNDER_STLV.push(jsonNameFor(tag, FIRST_FIELD_TAG));
  const def = tagDef(tag);
  if (def === undefined) continue;
  KIND[tag] = def.tag === TAG_FISCAL_SIGN ? K_FISCAL_SIGN : KIND_OF_TYPE[def.type];
  if (def.maxLength !== undefined) MAX_LENGTH[tag] = def.maxLength;
  PAD_BYTE[tag] = def.padding === 'rpad_space' ? 0x20 : def.padding === 'rpad_nul' ? 0x00 : -1;
  REPEATABLE[tag] = def.repeatable ? 1 : 0;
}
/** `tlv<tag>` keys, made once per tag. */
const RAW_KEYS: Array<string | undefined> = [];
const rawKey = (tag: number): string => (RAW_KEYS[tag] ??= `tlv${tag}`);

/**
 * Per nesting depth, what one `walk` collects (a nested walk never touches its parent's): per slot (a key, in
 * first-occurrence order) the tag and the value; per tag the stamp of the walk that last gave it a slot, and that slot.
 * Reused from walk to walk, so between decodes they still reference the last document's values (until overwritten).
 */
interface WalkScratch {
  /** Stamps are never 0 (fresh arrays); on wrap-around the array is cleared, so a stale stamp never matches. */
  stamp: number;
  readonly seen: Uint32Array;
  readonly slotOf: Uint16Array;
  readonly tags: number[];
  readonly values: FieldValue[];
}
const scratchByDepth: WalkScratch[] = [];
const newScratch = (): WalkScratch => ({
  stamp: 0,
  seen: new Uint32Array(TAG_SLOTS),
  slotOf: new Uint16Array(TAG_SLOTS),
  tags: [],
  values: [],
});
/** `walk` without a `code` field (anything but a whole document). */
const NO_CODE = -1;
/** The slot tag of `code`, the first field of a document: no TLV has it. */
const CODE_TAG = -1;

/**
 * Decodes the TLVs in `buf[start, end)`, children of `parent`, into a new object (first `code`, when one is given).
 * Walks offsets rather than `readTlvs` (which makes an object and a Buffer view per TLV): this is the per-document hot
 * path. Well-formed values of the common types decode inline; anything else (wrong size, zero length of a number
 * type) goes to `decodeScalar`, which gives the same value or the same error as the dictionary-row path always did.
 *
 * The fields are collected (one slot per key: a repeated tag's slot holds the array of its occurrences) and the object
 * is built at the end, once its key sequence is known (see Shape).
 */
function walk(buf: Buffer, start: number, end: number, parent: number, ctx: DecodeContext, depth: number, code: number): FieldObject {
  const names = parent < FIRST_FIELD_TAG ? NAMES_UNDER_FORM : NAMES_UNDER_STLV;
  const scratch = (scratchByDepth[depth] ??= newScratch());
  let mark = ++scratch.stamp;
  if (mark > 0xffffffff) {
    scratch.seen.fill(0);
    mark = scratch.stamp = 1;
  }
  const { seen, slotOf, tags, values } = scratch;
  let count = 0;
  let hash = parent < FIRST_FIELD_TAG ? 1 : 2;
  if (code !== NO_CODE) {
    tags[0] = CODE_TAG;
    values[0] = code;
    count = 1;
    hash = Math.imul(hash, 31) + CODE_TAG;
  }
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
    let value: FieldValue;
    let repeatable = false;
    if (tag >= TAG_SLOTS || names[tag] === undefined) {
      value = buf.toString('base64', valueStart, valueEnd);
    } else {
      repeatable = REPEATABLE[tag] === 1;
      const len = valueEnd - valueStart;
      if (len > MAX_LENGTH[tag]!) checkMaxLength(tagDef(tag)!, len, valueStart);
      switch (KIND[tag]) {
        case K_STRING: {
          const pad = PAD_BYTE[tag]!;
          let e = valueEnd;
          if (pad >= 0) while (e > valueStart && buf[e - 1] === pad) e--;
          value = ctx.text.read(valueStart, e);
          break;
        }
        case K_VLN:
          value = len === 0 ? null : decodeVln(buf, valueStart, valueEnd);
          break;
        case K_FVLN:
          value = len >= 2 ? decodeFvlnJson(tagDef(tag)!, buf, valueStart, valueEnd) : decodeScalar(tagDef(tag)!, buf, valueStart, valueEnd);
          break;
        case K_UINT8:
          value = len === 1 ? buf[valueStart]! : decodeScalar(tagDef(tag)!, buf, valueStart, valueEnd);
          break;
        case K_UINT16:
          value = len === 2 ? buf[valueStart]! | (buf[valueStart + 1]! << 8) : decodeScalar(tagDef(tag)!, buf, valueStart, valueEnd);
          break;
        case K_UINT32:
          value = len === 4 ? readUint32LE(buf, valueStart) : decodeScalar(tagDef(tag)!, buf, valueStart, valueEnd);
          break;
        case K_UNIXTIME:
          value = len === 4 ? formatUnixtime(readUint32LE(buf, valueStart)) : decodeScalar(tagDef(tag)!, buf, valueStart, valueEnd);
          break;
        case K_STLV:
          if (depth >= MAX_STLV_DEPTH) {
            throw new ProtocolError('TLV_BAD_VALUE', `STLVs nested deeper than ${MAX_STLV_DEPTH} levels`, valueStart);
          }
          value = walk(buf, valueStart, valueEnd, tag, ctx, depth + 1, NO_CODE);
          break;
        case K_FISCAL_SIGN:
          value = decodeFiscalSign(tagDef(tag)!, buf, valueStart, valueEnd);
          if (parent < FIRST_FIELD_TAG && value !== null) ctx.fiscalSignRaw = Buffer.from(buf.subarray(valueStart, valueEnd));
          break;
        default: // K_BYTES
          value = buf.toString('base64', valueStart, valueEnd);
      }
    }
    // A tag's first occurrence takes a new slot; later ones join it, as an array of occurrences (values themselves are
    // never arrays). Tags beyond the dictionary have no stamp: they search the slots.
    let at = -1;
    if (tag < TAG_SLOTS) {
      if (seen[tag] === mark) at = slotOf[tag]!;
      else {
        seen[tag] = mark;
        slotOf[tag] = count;
      }
    } else if (count > 0) at = tags.lastIndexOf(tag, count - 1);
    if (at < 0) {
      tags[count] = tag;
      hash = Math.imul(hash, 31) + tag;
      values[count] = repeatable ? [value] : value;
      count++;
    } else {
      const prev = values[at]!;
      if (Array.isArray(prev)) prev.push(value);
      else values[at] = [prev, value];
    }
    off = valueEnd;
  }
  return buildObject(parent, names, tags, values, count, hash | 0);
}

const readUint32LE = (buf: Buffer, at: number): number =>
  (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16)) + buf[at + 3]! * 0x1000000;

/**
 * The key sequence of a decoded object, and once it has recurred, a constructor for it.
 *
 * Storing a field under a key known only at run time is a megamorphic keyed store in V8 (~10 ns each on the bench
 * machine, ~2 µs of a 20-item receipt), and an object that receives more than ~20 fields that way ends up in
 * dictionary mode (a receipt's document level did: slower to build, to read and to stringify). A constructor whose
 * body names the keys stores them like `this.sum = …` in a few ns and gives every object of the sequence one hidden
 * class. So the COMPILE_AFTER-th object of a key sequence compiles one, with `new Function` from the keys (JSON-quoted;
 * they are dictionary names and `tlv<digits>`): ~50 µs once per sequence (Fastify compiles its serializers the same
 * way). A sequence is found by its parent's last one, else by a hash of its tags. At most MAX_SHAPES sequences are
 * counted (beyond that, the uncompiled ones are forgotten), MAX_COMPILED compiled, none of more than MAX_COMPILED_KEYS
 * keys, so hostile input cannot grow this without bound; where code generation is refused, nothing is compiled.
 * Objects without a constructor are filled key by key, as before. Either way an object has the same keys in the same
 * order with the same values, and prototype Object.prototype like `{}`.
 */
interface Shape {
  /** The names of the parent's kind (NAMES_UNDER_FORM or NAMES_UNDER_STLV): with the tags, they decide the keys. */
  readonly names: ReadonlyArray<string | undefined>;
  readonly hash: number;
  readonly tags: Int32Array;
  readonly keys: readonly string[];
  seen: number;
  ctor: (new (values: readonly FieldValue[]) => FieldObject) | undefined;
}
const COMPILE_AFTER = 64;
const MAX_SHAPES = 4096;
const MAX_COMPILED = 1024;
const MAX_COMPILED_KEYS = 256;
const shapesByHash = new Map<number, Shape[]>();
let shapeCount = 0;
let compiledCount = 0;
/** Off for good when the host refuses code generation from strings (`--disallow-code-generation-from-strings`). */
let canCompile = true;
/** Per parent tag, the shape its last object had. */
const LAST_SHAPE: Array<Shape | undefined> = [];

/** The key of a slot: `code`, the tag's name under this kind of parent, or `tlv<tag>`. */
function slotKey(names: ReadonlyArray<string | undefined>, tag: number): string {
  return tag === CODE_TAG ? 'code' : ((tag < TAG_SLOTS ? names[tag] : undefined) ?? rawKey(tag));
}

/** The object of the collected values: by its shape's constructor when there is one, else field by field. */
function buildObject(
  parent: number,
  names: ReadonlyArray<string | undefined>,
  tags: number[],
  values: FieldValue[],
  count: number,
  hash: number,
): FieldObject {
  const cacheable = parent >= 0 && parent < TAG_SLOTS;
  let shape = cacheable ? LAST_SHAPE[parent] : undefined;
  if (shape === undefined || shape.hash !== hash || shape.names !== names || !sameTags(shape.tags, tags, count)) {
    shape = findShape(names, tags, count, hash);
    if (cacheable) LAST_SHAPE[parent] = shape;
  }
  if (shape.ctor === undefined && ++shape.seen === COMPILE_AFTER) compileShape(shape);
  if (shape.ctor !== undefined) return new shape.ctor(values);
  const out = newFieldObject(parent);
  const keys = shape.keys;
  for (let i = 0; i < count; i++) out[keys[i]!] = values[i]!;
  return out;
}

/** The remembered shape of these tags under this kind of parent, remembered now if new. */
function findShape(names: ReadonlyArray<string | undefined>, tags: number[], count: number, hash: number): Shape {
  const list = shapesByHash.get(hash);
  if (list !== undefined) {
    for (const s of list) if (s.names === names && sameTags(s.tags, tags, count)) return s;
  }
  if (shapeCount >= MAX_SHAPES) forgetUncompiledShapes();
  const slots = tags.slice(0, count);
  const shape: Shape = { names, hash, tags: Int32Array.from(slots), keys: slots.map((t) => slotKey(names, t)), seen: 0, ctor: undefined };
  const bucket = shapesByHash.get(hash);
  if (bucket === undefined) shapesByHash.set(hash, [shape]);
  else bucket.push(shape);
  shapeCount++;
  return shape;
}

function sameTags(a: Int32Array, tags: number[], count: number): boolean {
  if (a.length !== count) return false;
  for (let i = 0; i < count; i++) if (a[i] !== tags[i]) return false;
  return true;
}

function forgetUncompiledShapes(): void {
  shapeCount = 0;
  for (const [hash, list] of shapesByHash) {
    const kept = list.filter((s) => s.ctor !== undefined);
    if (kept.length === 0) shapesByHash.delete(hash);
    else shapesByHash.set(hash, kept);
    shapeCount += kept.length;
  }
  LAST_SHAPE.length = 0;
}

function compileShape(shape: Shape): void {
  const keys = shape.keys;
  if (!canCompile || compiledCount >= MAX_COMPILED || keys.length > MAX_COMPILED_KEYS) return;
  // `__proto__` would set the prototype rather than a field (a keyed store does the same): leave such shapes alone.
  if (keys.includes('__proto__')) return;
  const body = keys.map((k, i) => `this[${JSON.stringify(k)}] = v[${i}];`).join('\n');
  try {
    const ctor = new Function('v', body) as NonNullable<Shape['ctor']>;
    ctor.prototype = Object.prototype;
    shape.ctor = ctor;
    compiledCount++;
  } catch {
    canCompile = false;
  }
}

/**
 * Objects stored field by field come from a constructor per parent tag: V8 sizes a constructor's objects by the fields
 * they received (in-object slack tracking), while `{}` starts with 4 slots and grows a backing store; per parent, each
 * kind of object gets its own size.
 */
const OBJECT_CTORS: Array<(new () => FieldObject) | undefined> = [];
function plainObjectClass(): new () => FieldObject {
  function PlainObject(): void {}
  PlainObject.prototype = Object.prototype;
  return PlainObject as unknown as new () => FieldObject;
}
const FALLBACK_CTOR = plainObjectClass();
function newFieldObject(parent: number): FieldObject {
  if (!(parent >= 0 && parent < TAG_SLOTS)) return new FALLBACK_CTOR();
  return new (OBJECT_CTORS[parent] ??= plainObjectClass())();
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
