/**
 * A receipt's item name ids as one character each (migration 0083, documents.item_name_id_chars): id n is U+0080 + n,
 * the surrogates skipped, U+0080 an item without a name. SQL has the same mapping (ofd_item_name_char,
 * ofd_item_name_ids); this is the JavaScript side, for readers that decode rows in Node.
 */

/** The first character; it stands for an item without a name (1030 absent). */
const FIRST = 0x80;
/** Ids from here on skip the 2 048 surrogates U+D800–U+DFFF. */
const SKIP_FROM = 0xd800 - FIRST;
const SKIP = 0x800;

/** The largest id one character can hold (U+10FFFF); a receipt with a larger one is stored as item_name_ids. */
export const MAX_ITEM_NAME_ID_CHAR = 0x10ffff - FIRST - SKIP;

/** The character of an id (null: an item without a name). */
export function itemNameIdChar(id: number | null): string {
  if (id === null) return String.fromCodePoint(FIRST);
  if (!Number.isInteger(id) || id < 1 || id > MAX_ITEM_NAME_ID_CHAR) throw new RangeError(`item name id ${id} has no character`);
  return String.fromCodePoint(id >= SKIP_FROM ? id + FIRST + SKIP : id + FIRST);
}

/** The ids of item_name_id_chars, in item order (null: an item without a name). */
export function itemNameIdsOfChars(chars: string): (number | null)[] {
  const ids: (number | null)[] = [];
  for (const ch of chars) {
    const c = ch.codePointAt(0)!;
    ids.push(c === FIRST ? null : c >= 0xe000 ? c - FIRST - SKIP : c - FIRST);
  }
  return ids;
}
