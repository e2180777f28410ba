/**
 * The document's FFD version (tag 1209, §1.1) and the tags that betray a version: FFD 1.2-only tags (from the dictionary's
 * `ffd_versions` = "1.2") and the strongest FFD 1.05 markers.
 */
import { TAG_ROWS } from '../../../protocol/tags/index.js';
import type { FfdVersion, FlkDocument } from './types.js';

const ITEMS_TAG = 1059;
const FIRST_FIELD_TAG = 1000;

/**
 * 1209 → version: 1 = 1.0, 2 = 1.05, 3 = 1.1, 4 = 1.2 (§1.1, TSV 1209). Absent or zero-length → 1.0 (the tag is 1.05+).
 * 0 is "1.0 beta" in one source (TSV notes, R) and read as 1.0. Anything else → undefined (unknown version).
 */
export function ffdOfDocument(doc: FlkDocument): FfdVersion | undefined {
  const v = doc.fiscalDocumentFormatVer;
  switch (v) {
    case undefined:
    case null:
    case 0:
    case 1:
      return '1.0';
    case 2:
      return '1.05';
    case 3:
      return '1.1';
    case 4:
      return '1.2';
    default:
      return undefined;
  }
}

/** Per-version tables have a slot per FFD version (0 … 3 for 1.0 … 1.2) and one for an unknown 1209. */
export const UNKNOWN_FFD_SLOT = 4;
export const FFD_SLOTS = 5;

/** Index of a version in per-version tables; in the unknown-1209 slot only what holds in every version applies. */
export function ffdSlot(ffd: FfdVersion | undefined): number {
  switch (ffd) {
    case '1.0':
      return 0;
    case '1.05':
      return 1;
    case '1.1':
      return 2;
    case '1.2':
      return 3;
    default:
      return UNKNOWN_FFD_SLOT;
  }
}

export interface VersionedTag {
  readonly tag: number;
  readonly field: string;
}

function only12(parentTest: (parents: readonly number[]) => boolean): readonly VersionedTag[] {
  return TAG_ROWS.filter(
    (r) => r.tag >= FIRST_FIELD_TAG && r.jsonName !== undefined && r.ffdVersions.length === 1 && r.ffdVersions[0] === '1.2' && parentTest(r.parents.tags),
  ).map((r) => ({ tag: r.tag, field: r.jsonName! }));
}

/**
 * FFD 1.2-only tags whose parent is a document form (TSV). Their children (1256's 1243…, 1270's 1271…) need no entry:
 * they cannot occur without their 1.2-only container.
 */
export const DOCUMENT_LEVEL_12_ONLY: readonly VersionedTag[] = only12((p) => p.some((t) => t < FIRST_FIELD_TAG));
/** FFD 1.2-only tags whose parent is an item (1059). */
export const ITEM_LEVEL_12_ONLY: readonly VersionedTag[] = only12((p) => p.includes(ITEMS_TAG));

/**
 * Tags that no FFD 1.0 document carries and every FFD 1.05+ register writes where they apply (A, from the FFD tables and
 * the TSV `1.05+` column): a document with one of them and no 1209 has lost its 1209. Kept short on purpose — 1203, 1227…
 * are `1.05+`/`1.1+` in the TSV but were back-ported to older formats by some registers.
 */
export const DOCUMENT_LEVEL_105_MARKERS: readonly VersionedTag[] = [
  { tag: 1215, field: 'prepaidSum' },
  { tag: 1216, field: 'creditSum' },
  { tag: 1217, field: 'provisionSum' },
  { tag: 1188, field: 'kktVersion' },
  { tag: 1189, field: 'documentKktVersion' },
  { tag: 1190, field: 'documentFdVersion' },
];
export const ITEM_LEVEL_105_MARKERS: readonly VersionedTag[] = [
  { tag: 1199, field: 'nds' },
  { tag: 1212, field: 'productType' },
  { tag: 1214, field: 'paymentType' },
];
