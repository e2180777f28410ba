/**
 * A stored receipt's items with their price, quantity and sum, read from its raw container (migration 0066: the
 * documents row keeps only item_names). PostgreSQL cannot decode TLV, so readers that need the values — the
 * receipt-items export, the rollups of stored documents — select the row's raw_container and decode it here. itemValues
 * is also what the persist worker derives (src/workers/persist/derive.ts), so the values are exactly those it stored
 * before 0066: kopecks, and the quantity's exact decimal with its scale ('2.470'). Unpacking and decoding a receipt
 * takes ≈ 25 µs.
 *
 * The names are the stored ones (item_names): they say which items the document has as stored (none for a document
 * stored unrecognised and not rebuilt since), and they are what the item filter, search and rollups key on.
 */
import { decodeContainer } from '../../protocol/container.js';
import { decodeDocument, fieldObjects, type FieldObject, type FieldValue } from '../../protocol/document-json.js';
import { fvlnFromNumber, fvlnToDecimal } from '../../protocol/values.js';
import type { JsonInt8 } from './document-batch.repository.js';
import { unpackRawContainer, type PackedRawContainer } from './raw-container.js';

/** What the reader selects of a document row. */
export interface StoredItemsSource {
  readonly item_names: readonly (string | null)[] | null;
  readonly raw_container: PackedRawContainer | Buffer;
  readonly raw_codec: number | null;
}

/** An item's price and sum (kopecks; a decimal string beyond 2^53) and quantity (the exact decimal, its scale kept). */
export interface ItemValues {
  readonly price: JsonInt8 | null;
  readonly quantity: string | null;
  readonly sum: JsonInt8 | null;
}

export interface StoredItem extends ItemValues {
  /** Position of the 1059 item in the document, from 0. */
  readonly item_index: number;
  readonly name: string | null;
}

const int8Json = (v: FieldValue | undefined): JsonInt8 | null => (typeof v === 'number' ? v : typeof v === 'bigint' ? v.toString() : null);

/** FVLN in JSON is a number exactly when it re-encodes to the same scale (values.ts), else the exact decimal string. */
function decimal(v: FieldValue | undefined): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : fvlnToDecimal(fvlnFromNumber(v));
  if (typeof v === 'bigint') return v.toString();
  return null;
}

/** Of a decoded 1059 item: its price (1079), quantity (1023) and sum (1043). */
export function itemValues(item: FieldObject): ItemValues {
  return { price: int8Json(item['price']), quantity: decimal(item['quantity']), sum: int8Json(item['sum']) };
}

/**
 * The values of a container's items in document order; null when it does not decode. Only documents with stored item
 * names get here, and the persist path stores names only for the forms with items (derive.ts RECEIPT_FORMS).
 */
function containerItemValues(raw: Buffer): ItemValues[] | null {
  try {
    const decoded = decodeDocument(decodeContainer(raw).document);
    return fieldObjects(decoded.json[decoded.formName]!['items']).map(itemValues);
  } catch {
    return null;
  }
}

/**
 * The document's items in order: one per stored name. An item the container does not give (a container that no longer
 * decodes) has null values, as a missing value was stored null.
 */
export function storedItems(source: StoredItemsSource): StoredItem[] {
  const names = source.item_names;
  if (names === null || names.length === 0) return [];
  // Outside the try: a row that does not unpack is damaged storage (or a newer codec), which the reader must hear of.
  const values = containerItemValues(unpackRawContainer(source.raw_container, source.raw_codec)) ?? [];
  return names.map((name, i) => {
    const v = values[i];
    return { item_index: i, name, price: v?.price ?? null, quantity: v?.quantity ?? null, sum: v?.sum ?? null };
  });
}
