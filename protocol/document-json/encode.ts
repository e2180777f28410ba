/** FNS JSON → document TLV: the encoder (see ../document-json.ts for the format). */
import { ProtocolError } from '../errors.js';
import { formCode, formName, tagDef, tagForJsonName, type TagRow } from '../tags/index.js';
import { TlvWriter } from '../tlv-writer.js';
import { decodeBase64, DEFAULT_FISCAL_SIGN_PREFIX, encodeFiscalSign, encodeScalar } from '../values.js';
import { badDocument, FIRST_FIELD_TAG, IGNORED_DOCUMENT_FIELDS, MAX_STLV_DEPTH, rawKeyTag, TAG_FISCAL_SIGN, type EncodeOptions } from './fields.js';

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
