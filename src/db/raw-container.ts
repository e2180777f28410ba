// How documents.raw_container is stored (migration 0063, issue 12 target 4: disk per receipt). The container is kept
// exactly as received — lossless compression, not a summary — but packed: zlib's raw deflate with a preset dictionary
// built from typical TLV containers (src/db/raw-dictionaries/, made by scripts/gen-raw-dictionary.ts). PostgreSQL's own
// TOAST compression never touches a ≈ 0.6–0.9 KB value (it starts at ≈ 2 KB rows) and, without a dictionary, would
// save little on so short an input: the tags, lengths, names and addresses a container repeats are in the dictionary.
//
// raw_codec says how the row's bytes are packed, so every row stays readable whatever packed it:
//   null — stored as received (rows stored before migration 0063, and containers the codec would not shrink);
//   1    — deflate-raw with dictionary v1.
// A new dictionary is a new codec number beside the old ones, never a replacement: rows keep the codec they were
// written with.
//
// Every reader goes through unpackRawContainer (the column's type is opaque: a packed value is no Buffer to TypeScript).
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DbError } from './errors.js';
import { RAW_DICTIONARY_V1 } from './raw-dictionaries/v1.js';

declare const packedBrand: unique symbol;
/** raw_container as the row holds it: only unpackRawContainer turns it into the bytes the register sent. */
export interface PackedRawContainer {
  readonly [packedBrand]: true;
}

/** Codec numbers of raw_codec (never reuse one). */
export const RawCodec = { deflateDictionaryV1: 1 } as const;
export type RawCodecNumber = (typeof RawCodec)[keyof typeof RawCodec];

const DICTIONARIES: ReadonlyMap<number, Buffer> = new Map([[RawCodec.deflateDictionaryV1, Buffer.from(RAW_DICTIONARY_V1, 'base64')]]);
/** The codec new rows are written with. */
export const CURRENT_RAW_CODEC: RawCodecNumber = RawCodec.deflateDictionaryV1;

export interface PackedRaw {
  readonly bytes: Buffer;
  /** null: stored as received. */
  readonly codec: RawCodecNumber | null;
}

/** Packs a container for storage; stores it as received when packing would not make it smaller. */
export function packRawContainer(raw: Buffer): PackedRaw {
  const dictionary = DICTIONARIES.get(CURRENT_RAW_CODEC)!;
  // Level 6: 9 gains nothing measurable on inputs this short; the dictionary's hashing is most of the cost.
  const packed = deflateRawSync(raw, { level: 6, dictionary });
  return packed.length < raw.length ? { bytes: packed, codec: CURRENT_RAW_CODEC } : { bytes: raw, codec: null };
}

/** The container exactly as received, from a row's raw_container and raw_codec. */
export function unpackRawContainer(stored: PackedRawContainer | Buffer, codec: number | null): Buffer {
  const bytes = stored as unknown as Buffer;
  if (codec === null) return bytes;
  const dictionary = DICTIONARIES.get(codec);
  if (!dictionary) throw new DbError('DB_RAW_CODEC_UNKNOWN', `raw_codec ${codec} is not known to this version`);
  return inflateRawSync(bytes, { dictionary });
}
