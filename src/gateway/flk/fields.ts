/**
 * Reading FNS JSON fields (§9) defensively: rules run on decoder output, but also on JSON from the API and tests, so a
 * value of an unexpected type reads as "unreadable" (undefined) and the rule that wanted it stays silent.
 */
import type { FlkDocument } from './types.js';

export type JsonObject = Readonly<Record<string, unknown>>;

const NO_ITEMS: readonly JsonObject[] = [];

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Money in kopecks (VLN, §5): a non-negative safe integer, a bigint, or decimal digits. A zero-length VLN decodes to
 * null (values.ts) and means 0. Absent or unreadable → undefined.
 */
export function kopecks(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (v === null) return 0;
  if (typeof v === 'bigint') return v >= 0n ? Number(v) : undefined;
  if (typeof v === 'string' && v.length > 0 && v.length <= 20 && isDigits(v)) return Number(v);
  return undefined;
}

/** A quantity (FVLN): a number, or the exact decimal string the decoder uses when the scale matters ("1.000"). */
export function decimal(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && v.length > 0) {
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  }
  return undefined;
}

/** A small integer field (byte, uint32, bitmask): the number, else undefined. Zero-length (null) reads as undefined. */
export function integer(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/**
 * The occurrences of a repeatable STLV (1059 items, 1260, 1261): the decoder always makes an array; JSON written by
 * hand may hold a single object. Non-objects inside are skipped by the callers (`isObject`).
 */
export function occurrences(v: unknown): readonly unknown[] {
  if (Array.isArray(v)) return v;
  return isObject(v) ? [v] : NO_ITEMS;
}

/** Items (1059) of a document, or an empty list. */
export function itemsOf(doc: FlkDocument): readonly unknown[] {
  return occurrences(doc.items);
}

export function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return s.length > 0;
}

/** `items[3].price`: the path named in findings. */
export function itemPath(index: number, field: string): string {
  return `items[${index}].${field}`;
}
