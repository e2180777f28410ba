/**
 * Tag dictionary lookups (§4, §5, §9) over the generated table. Names are the FNS JSON names of the TSV's `json_name`
 * column (authoritative); the Y (yandex/ofd) alternates in `notes_conflicts` are not used.
 *
 * Forms (tags below 1000) are the wrapper keys of a document (`{"receipt": {...}}`), never fields: `formName`/`formCode`
 * look them up, and the field lookups below ignore them. That alone settles `receiptCorrection` (form 31 vs the counter
 * STLV 1133 inside 1157/1158/1194).
 */
import { TAG_ROWS } from './tags.generated.js';
import type { TagRow } from './types.js';

export type { FfdVersion, TagPadding, TagParents, TagRow, TagType } from './types.js';
export { TAG_ROWS };

/** Tags below this are document forms (§4); fields start at 1000. */
const FIRST_FIELD_TAG = 1000;

const maxTag = Math.max(...TAG_ROWS.map((r) => r.tag));
/** Dense array indexed by tag: the decoder looks a definition up per TLV. */
const BY_TAG: Array<TagRow | undefined> = new Array<TagRow | undefined>(maxTag + 1).fill(undefined);
for (const r of TAG_ROWS) BY_TAG[r.tag] = r;

export function tagDef(tag: number): TagRow | undefined {
  return BY_TAG[tag];
}

// ---- forms (§4) ----

/** Forms 81–84 (marking, §6) have no FNS JSON name; this project names their wrapper key `form<code>`. */
const FORM_ROWS = TAG_ROWS.filter((r) => r.tag < FIRST_FIELD_TAG);
const FORM_NAME = new Map(FORM_ROWS.map((r) => [r.tag, r.jsonName ?? `form${r.tag}`]));
const FORM_CODE = new Map([...FORM_NAME].map(([code, name]) => [name, code]));

/** Every document form code of §4: 1, 2, 3, 4, 5, 6, 7, 11, 21, 31, 41, 81–84. */
export const DOCUMENT_FORMS: readonly number[] = [...FORM_NAME.keys()];

export function isDocumentForm(code: number): boolean {
  return FORM_NAME.has(code);
}

/** `3` → `receipt`; `81` → `form81`; not a form → undefined. */
export function formName(code: number): string | undefined {
  return FORM_NAME.get(code);
}

/** `receipt` → 3; `form81` → 81; anything else → undefined. */
export function formCode(name: string): number | undefined {
  return FORM_CODE.get(name);
}

// ---- field names (§5, §9) ----

/**
 * One FNS name used by two tags (§5). The parent decides: at document level (the parent is a form) the name means
 * `document`; inside any STLV it means `nested`. Where the dictionary puts them:
 *   document level: 1020, 1215, 1216, 1217 in forms 3, 4, 31, 41; 1012 in every form.
 *   nested: 1201 in the counters 1129–1132 (inside 1157/1158/1194), 1145/1146 (inside 1133, 1158) and 1232/1233;
 *           1218–1220 in 1129–1132, 1145, 1146; 1273 in 1270 operationalDetails.
 * Inside an STLV the dictionary does not list (say 1232, for 1218), the nested tag is still the only sensible one.
 */
const SHARED_NAMES: ReadonlyMap<string, { readonly document: number; readonly nested: number }> = new Map([
  ['totalSum', { document: 1020, nested: 1201 }],
  ['prepaidSum', { document: 1215, nested: 1218 }],
  ['creditSum', { document: 1216, nested: 1219 }],
  ['provisionSum', { document: 1217, nested: 1220 }],
  ['dateTime', { document: 1012, nested: 1273 }],
]);

/**
 * Spellings accepted on input besides the FNS name. 1174's FNS name starts with a CYRILLIC "с" (U+0441, per the TSV);
 * the Latin look-alike is what people type. Output always uses the FNS name.
 */
const INPUT_ALIASES: ReadonlyMap<string, string> = new Map([['correctionBase', 'сorrectionBase']]);

/** FNS name per field tag (dense, like BY_TAG), and the reverse for names used once. */
const FIELD_NAME: Array<string | undefined> = BY_TAG.map((r) => (r && r.tag >= FIRST_FIELD_TAG ? r.jsonName : undefined));
const FIELD_TAG = new Map<string, number>();
for (const [tag, name] of FIELD_NAME.entries()) {
  if (name === undefined) continue;
  const other = FIELD_TAG.get(name);
  const shared = SHARED_NAMES.get(name);
  if (other !== undefined && !shared) {
    // Only reachable after a TSV edit: a new shared name needs a rule above before it can be encoded.
    throw new Error(`ffd-tags.tsv: json name ${name} is used by tags ${other} and ${tag}; add it to SHARED_NAMES`);
  }
  if (other === undefined) FIELD_TAG.set(name, tag);
}
for (const [name, { document, nested }] of SHARED_NAMES) {
  if (FIELD_NAME[document] !== name || FIELD_NAME[nested] !== name) {
    throw new Error(`SHARED_NAMES: ${name} no longer names tags ${document} and ${nested} in ffd-tags.tsv`);
  }
}

/** FIELD_NAME without the shared names: one array read answers `jsonNameFor` for all other tags (per TLV, hot). */
const UNSHARED_NAME = FIELD_NAME.map((name) => (name !== undefined && !SHARED_NAMES.has(name) ? name : undefined));

/** Names used by two tags, with the tag each means at document level and inside an STLV (exported for tests). */
export const SHARED_JSON_NAMES = SHARED_NAMES;

function atDocumentLevel(parentTag: number | undefined): boolean {
  return parentTag === undefined || parentTag < FIRST_FIELD_TAG;
}

/**
 * The field tag a JSON name means under `parentTag` (a form code or an STLV tag; undefined = document level).
 * Undefined when the name is not a field name.
 */
export function tagForJsonName(name: string, parentTag: number | undefined): number | undefined {
  const shared = SHARED_NAMES.get(name);
  if (shared) return atDocumentLevel(parentTag) ? shared.document : shared.nested;
  return FIELD_TAG.get(INPUT_ALIASES.get(name) ?? name);
}

/**
 * The JSON name of field `tag` under `parentTag`, or undefined when it has none there: no FNS name, not in the
 * dictionary, a form code, or a shared name that under this parent would read back as the other tag (1201 found at
 * document level). The document codec keeps those raw, so decode → encode never turns one tag into another.
 */
export function jsonNameFor(tag: number, parentTag: number | undefined): string | undefined {
  const name = UNSHARED_NAME[tag];
  if (name !== undefined) return name;
  const shared = FIELD_NAME[tag];
  return shared !== undefined && tagForJsonName(shared, parentTag) === tag ? shared : undefined;
}

