/**
 * fast-check arbitraries for FNS JSON documents as `decodeDocument` returns them (§9 conventions), for property tests:
 * every form, every tag type, nested STLVs, repeats, raw (`tlv<tag>`) tags, zero-length values, CP866 text.
 * Fields under a parent are the tags the dictionary places there; values are built here from the wire rules, not by
 * the codec under test.
 */
import { fc } from '@fast-check/vitest';
import iconv from 'iconv-lite';
import { DOCUMENT_FORMS, formName, jsonNameFor, TAG_ROWS, type TagRow } from '../../protocol/tags/index.js';

/** Every character CP866 holds, by iconv-lite (0x00–0x7F are ASCII). */
const CP866_CHARS = Array.from({ length: 256 }, (_, b) => iconv.decode(Buffer.of(b), 'cp866'));
const CYRILLIC = CP866_CHARS.slice(0x80, 0xb0).concat(CP866_CHARS.slice(0xe0, 0xf2));
const charArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...CYRILLIC) },
  { weight: 2, arbitrary: fc.constantFrom(...CP866_CHARS.slice(0x20, 0x7f)) },
  { weight: 1, arbitrary: fc.constantFrom(...CP866_CHARS) },
);

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const isForm = (tag: number): boolean => tag < 1000;

const children = new Map<number, TagRow[]>();

/** Named tags the dictionary places directly under `parent` (document level: also the rows that list no parent). */
function childrenOf(parent: number): TagRow[] {
  let list = children.get(parent);
  if (!list) children.set(parent, (list = dictionaryChildren(parent)));
  return list;
}

function dictionaryChildren(parent: number): TagRow[] {
  return TAG_ROWS.filter((r) => {
    if (isForm(r.tag) || jsonNameFor(r.tag, parent) !== r.jsonName || r.jsonName === undefined) return false;
    const p = r.parents;
    if (p.tags.includes(parent)) return true;
    if (!isForm(parent)) return false;
    return p.allDocs || p.allFiscalDocs || p.tags.length === 0;
  });
}

/** Tags that decode raw under `parent`: outside the dictionary, nameless, or a twin whose name means another tag there. */
function rawTagsArb(parent: number): fc.Arbitrary<number> {
  const nameless = TAG_ROWS.filter((r) => !isForm(r.tag) && jsonNameFor(r.tag, parent) === undefined).map((r) => r.tag);
  return fc.oneof(fc.integer({ min: 5000, max: 65535 }), fc.constantFrom(...nameless));
}

function stringArb(r: TagRow): fc.Arbitrary<string> {
  const max = Math.min(r.maxLength ?? 64, 20);
  const s = fc.array(charArb, { maxLength: max }).map((cs) => cs.join(''));
  // Padding is trimmed on decode, so text ending in the pad character cannot come back unchanged.
  if (r.padding === 'rpad_space') return s.filter((t) => !t.endsWith(' '));
  if (r.padding === 'rpad_nul') return s.filter((t) => !t.endsWith('\0'));
  return s;
}

/** FVLN as decoded: a number when it prints back as the same (mantissa, scale), else the exact decimal string. */
function fvlnArb(r: TagRow): fc.Arbitrary<number | string> {
  const mantissaBytes = (r.maxLength ?? 8) - 1;
  const maxM = Math.min(1e15 - 1, 2 ** (8 * mantissaBytes) - 1);
  const trailingZero = fc.boolean();
  return fc.tuple(fc.integer({ min: 0, max: maxM }), fc.integer({ min: 0, max: 6 }), trailingZero).map(([m0, s, zero]) => {
    const m = zero && s > 0 && m0 * 10 <= maxM ? m0 * 10 : m0;
    if (s === 0 || m % 10 !== 0) return m / 10 ** s; // ≤ 15 digits, no trailing zero: prints as itself
    const digits = String(m).padStart(s + 1, '0');
    return `${digits.slice(0, -s)}.${digits.slice(-s)}`; // trailing zero: only a string keeps the scale
  });
}

function vlnArb(r: TagRow): fc.Arbitrary<number | bigint> {
  const bytes = r.maxLength ?? 8;
  const max = (1n << BigInt(8 * bytes)) - 1n;
  if (max <= MAX_SAFE) return fc.integer({ min: 0, max: Number(max) });
  return fc.oneof(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.bigInt({ min: MAX_SAFE + 1n, max }));
}

const uint = (bits: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: 2 ** bits - 1 });
const nullable = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 9, arbitrary: a }, { weight: 1, arbitrary: fc.constant(null) });

function scalarArb(r: TagRow): fc.Arbitrary<unknown> {
  if (r.tag === 1077) return nullable(uint(32)); // fiscalSign: the printed uint32
  switch (r.type) {
    case 'byte':
    case 'bool':
    case 'bitmask8':
      return nullable(uint(8));
    case 'uint16':
      return nullable(uint(16));
    case 'uint32':
    case 'bitmask32':
      return nullable(uint(32));
    case 'unixtime':
      return nullable(uint(32).map((s) => new Date(s * 1000).toISOString().slice(0, 19)));
    case 'vln':
      return nullable(vlnArb(r));
    case 'fvln':
      return nullable(fvlnArb(r));
    case 'string':
      return stringArb(r);
    case 'bytes':
      return fc.uint8Array({ maxLength: Math.min(r.maxLength ?? 16, 16) }).map((b) => Buffer.from(b).toString('base64'));
    case 'stlv':
      throw new Error('not a scalar');
  }
}

const base64Arb = fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString('base64'));

/** The fields of an object under `parent`, `depth` STLV levels deep. */
export function fieldsArb(parent: number, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const kids = childrenOf(parent).filter((r) => r.type !== 'stlv' || depth < 3);
  const named = fc
    .subarray(kids, { maxLength: Math.min(kids.length, depth === 0 ? 10 : 4) })
    .chain((rows) => fc.tuple(...rows.map((r) => occurrencesArb(r, depth).map((v) => [r.jsonName!, v] as const))));
  const raw = fc.uniqueArray(rawTagsArb(parent), { maxLength: 2 }).chain((tags) =>
    fc.tuple(
      ...tags.map((t) =>
        fc
          .oneof(base64Arb, fc.array(base64Arb, { minLength: 2, maxLength: 3 }))
          .map((v) => [`tlv${t}`, v] as const),
      ),
    ),
  );
  return fc.tuple(named, raw).map(([a, b]) => Object.fromEntries([...a, ...b]));
}

/** A repeatable tag is always an array; a once-only tag sometimes occurs twice (decoded as an array too). */
function occurrencesArb(r: TagRow, depth: number): fc.Arbitrary<unknown> {
  const one = r.type === 'stlv' ? fieldsArb(r.tag, depth + 1) : scalarArb(r);
  if (r.repeatable) return fc.array(one, { minLength: 1, maxLength: 3 });
  return fc.oneof({ weight: 5, arbitrary: one }, { weight: 1, arbitrary: fc.array(one, { minLength: 2, maxLength: 2 }) });
}

/** A receipt of 1–3 generated items (1059 and everything the dictionary nests in it). */
export const receiptWithItemsArb = fc
  .array(fieldsArb(1059, 1), { minLength: 1, maxLength: 3 })
  .map((items) => ({ receipt: { code: 3, items } }));

/** `{ "<formName>": { code, ...fields } }` for any form of §4. */
export const documentArb: fc.Arbitrary<Record<string, Record<string, unknown>>> = fc
  .constantFrom(...DOCUMENT_FORMS)
  .chain((form) => fieldsArb(form, 0).map((fields) => ({ [formName(form)!]: { code: form, ...fields } })));
