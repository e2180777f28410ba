/** Document TLV → FNS JSON: the decoder (see ../document-json.ts for the format). */
import { Cp866Text } from '../cp866.js';
import { ProtocolError } from '../errors.js';
import { formName, jsonNameFor, tagDef, type TagType } from '../tags/index.js';
import { TLV_HEADER_LENGTH } from '../tlv.js';
import { checkMaxLength, decodeFiscalSign, decodeFvlnJson, decodeScalar, decodeVln, formatUnixtime } from '../values.js';
import {
  FIRST_FIELD_TAG,
  MAX_STLV_DEPTH,
  TAG_FISCAL_SIGN,
  TAG_SLOTS,
  type DecodedDocument,
  type DocumentFields,
  type FieldObject,
  type FieldValue,
} from './fields.js';
import { buildObject, CODE_TAG } from './shape.js';

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
  const mark = nextMark(scratch);
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
    const known = tag < TAG_SLOTS && names[tag] !== undefined;
    const value = known ? decodeValue(buf, tag, valueStart, valueEnd, parent, ctx, depth) : buf.toString('base64', valueStart, valueEnd);
    const repeatable = known && REPEATABLE[tag] === 1;
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

/** Advances the scratch's stamp (clearing its marks on wrap-around) and returns it. */
function nextMark(scratch: WalkScratch): number {
  let mark = ++scratch.stamp;
  if (mark > 0xffffffff) {
    scratch.seen.fill(0);
    mark = scratch.stamp = 1;
  }
  return mark;
}

/** The value of a dictionary tag named under this parent, `buf[valueStart, valueEnd)`. */
function decodeValue(buf: Buffer, tag: number, valueStart: number, valueEnd: number, parent: number, ctx: DecodeContext, depth: number): FieldValue {
  const len = valueEnd - valueStart;
  if (len > MAX_LENGTH[tag]!) checkMaxLength(tagDef(tag)!, len, valueStart);
  switch (KIND[tag]) {
    case K_STRING: {
      const pad = PAD_BYTE[tag]!;
      let e = valueEnd;
      if (pad >= 0) while (e > valueStart && buf[e - 1] === pad) e--;
      return ctx.text.read(valueStart, e);
    }
    case K_VLN:
      return len === 0 ? null : decodeVln(buf, valueStart, valueEnd);
    case K_FVLN:
      return len >= 2 ? decodeFvlnJson(tagDef(tag)!, buf, valueStart, valueEnd) : decodeScalar(tagDef(tag)!, buf, valueStart, valueEnd);
    case K_UINT8:
      return len === 1 ? buf[valueStart]! : decodeScalar(tagDef(tag)!, buf, valueStart, valueEnd);
    case K_UINT16:
      return len === 2 ? buf[valueStart]! | (buf[valueStart + 1]! << 8) : decodeScalar(tagDef(tag)!, buf, valueStart, valueEnd);
    case K_UINT32:
      return len === 4 ? readUint32LE(buf, valueStart) : decodeScalar(tagDef(tag)!, buf, valueStart, valueEnd);
    case K_UNIXTIME:
      return len === 4 ? formatUnixtime(readUint32LE(buf, valueStart)) : decodeScalar(tagDef(tag)!, buf, valueStart, valueEnd);
    case K_STLV:
      if (depth >= MAX_STLV_DEPTH) {
        throw new ProtocolError('TLV_BAD_VALUE', `STLVs nested deeper than ${MAX_STLV_DEPTH} levels`, valueStart);
      }
      return walk(buf, valueStart, valueEnd, tag, ctx, depth + 1, NO_CODE);
    case K_FISCAL_SIGN: {
      const value = decodeFiscalSign(tagDef(tag)!, buf, valueStart, valueEnd);
      if (parent < FIRST_FIELD_TAG && value !== null) ctx.fiscalSignRaw = Buffer.from(buf.subarray(valueStart, valueEnd));
      return value;
    }
    default: // K_BYTES
      return buf.toString('base64', valueStart, valueEnd);
  }
}
