/**
 * The shape of one row of the tag dictionary (`ffd-tags.tsv`, §5). `tags.generated.ts` is a list of these; the generator
 * (scripts/gen-tags.ts) refuses a TSV value these unions do not name, so the types and the data cannot drift apart.
 */

/** Wire types of §5. `bitmask8`/`bitmask32` are the "byte or uint32 LE" bitmasks. */
export type TagType =
  | 'byte'
  | 'bool'
  | 'uint16'
  | 'uint32'
  | 'unixtime'
  | 'vln'
  | 'fvln'
  | 'string'
  | 'bytes'
  | 'bitmask8'
  | 'bitmask32'
  | 'stlv';

/** `fixed_or_padding` column: fixed width, or right-padded to `maxLength` with spaces / NUL bytes. */
export type TagPadding = 'rpad_space' | 'fixed' | 'rpad_nul';

/** FFD versions (tag 1209: 1 = 1.0, 2 = 1.05, 3 = 1.1, 4 = 1.2). */
export type FfdVersion = '1.0' | '1.05' | '1.1' | '1.2';

/** `parents` column, parsed: numbers with ranges expanded; the two "all …" words as flags. */
export interface TagParents {
  readonly tags: readonly number[];
  /** "all docs": every document form. */
  readonly allDocs: boolean;
  /** "all fiscal docs" (only 1077): every fiscal document form. */
  readonly allFiscalDocs: boolean;
}

export interface TagRow {
  readonly tag: number;
  /** FNS JSON name (authoritative, §9); undefined where the FNS defines none. */
  readonly jsonName: string | undefined;
  readonly russianName: string;
  readonly type: TagType;
  /** Maximum value length in bytes; undefined where no source gives one (the TLV length field still caps it). */
  readonly maxLength: number | undefined;
  readonly padding: TagPadding | undefined;
  /** FFD versions the tag exists in; empty when the sources do not say. */
  readonly ffdVersions: readonly FfdVersion[];
  readonly parents: TagParents;
  /** May occur several times under one parent (TSV `repeatable` = yes). */
  readonly repeatable: boolean;
}
