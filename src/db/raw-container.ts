// How documents.raw_container is stored (migration 0063, issue 12 target 4: disk per receipt). The container is kept
// exactly as received — lossless compression, not a summary — but packed: zlib's raw deflate with a preset dictionary
// built from typical TLV containers (src/db/raw-dictionaries/, made by scripts/gen-raw-dictionary.ts). PostgreSQL's own
// TOAST compression never touches a ≈ 0.6–0.9 KB value (it starts at ≈ 2 KB rows) and, without a dictionary, would
// save little on so short an input: the tags, lengths, names and addresses a container repeats are in the dictionary.
//
// raw_codec says how the row's bytes are packed, so every row stays readable whatever packed it:
//   null — stored as received (rows stored before migration 0063, and containers the codec would not shrink);
//   1    — deflate-raw with dictionary v1;
//   2    — deflate-raw with dictionary v1 followed by a context: another container of the same fiscal drive (its first
//          receipt, kept once in raw_contexts, migration 0081). The drive's documents repeat what the global dictionary
//          cannot know — the FN and registration numbers, the INN, address, place, cashier, the shop's item names — and
//          find it there: ≈ 230 bytes stored per container instead of ≈ 370 in `npm run bench:disk`. The row's bytes
//          are the context's 8-byte key (src/db/raw-contexts.ts) followed by the deflate stream.
// A new dictionary is a new codec number beside the old ones, never a replacement: rows keep the codec they were
// written with.
//
// Every reader goes through unpackRawContainer (the column's type is opaque: a packed value is no Buffer to TypeScript),
// after loadRawContexts for the rows it read (raw-contexts.ts, raw-context-cache.ts): unpacking is synchronous, and a
// context is read from the database once per process.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DbError } from './errors.js';
import { RAW_DICTIONARY_V1 } from './raw-dictionaries/v1.js';
import { rawContextFor, RAW_CONTEXT_KEY_BYTES, type RawContext } from './raw-context-cache.js';

declare const packedBrand: unique symbol;
/** raw_container as the row holds it: only unpackRawContainer turns it into the bytes the register sent. */
export interface PackedRawContainer {
  readonly [packedBrand]: true;
}

/** Codec numbers of raw_codec (never reuse one). */
export const RawCodec = { deflateDictionaryV1: 1, deflateDictionaryV1WithContext: 2 } as const;
export type RawCodecNumber = (typeof RawCodec)[keyof typeof RawCodec];

const DICTIONARIES: ReadonlyMap<number, Buffer> = new Map([[RawCodec.deflateDictionaryV1, Buffer.from(RAW_DICTIONARY_V1, 'base64')]]);
/** The codec new rows are written with. */
export const CURRENT_RAW_CODEC: RawCodecNumber = RawCodec.deflateDictionaryV1;

export interface PackedRaw {
  readonly bytes: Buffer;
  /** null: stored as received. */
  readonly codec: RawCodecNumber | null;
}

const DICTIONARY_V1 = DICTIONARIES.get(RawCodec.deflateDictionaryV1)!;

let lastContext: RawContext | undefined;
let lastDictionary = DICTIONARY_V1;

/**
 * Dictionary v1 then the context, the closest to the data: deflate reaches its last bytes with the shortest distances.
 * The last one is kept (9 KB): a batch is packed, and rows are mostly read, a drive at a time.
 */
function withContext(context: RawContext): Buffer {
  if (context !== lastContext) {
    lastDictionary = Buffer.concat([DICTIONARY_V1, context.container]);
    lastContext = context;
  }
  return lastDictionary;
}

/**
 * Packs a container for storage: with its fiscal drive's context when there is one (codec 2), else with the dictionary
 * alone (the current codec); as received when packing would not make it smaller.
 */
export function packRawContainer(raw: Buffer, context?: RawContext): PackedRaw {
  // Level 6: 9 gains nothing measurable on inputs this short; the dictionary's hashing is most of the cost.
  if (context) {
    const packed = deflateRawSync(raw, { level: 6, dictionary: withContext(context) });
    if (RAW_CONTEXT_KEY_BYTES + packed.length < raw.length) {
      return { bytes: Buffer.concat([context.key, packed]), codec: RawCodec.deflateDictionaryV1WithContext };
    }
    return { bytes: raw, codec: null };
  }
  const packed = deflateRawSync(raw, { level: 6, dictionary: DICTIONARIES.get(CURRENT_RAW_CODEC)! });
  return packed.length < raw.length ? { bytes: packed, codec: CURRENT_RAW_CODEC } : { bytes: raw, codec: null };
}

/**
 * The container exactly as received, from a row's raw_container and raw_codec. A codec-2 row's context must have been
 * loaded (loadRawContexts) in this process.
 */
export function unpackRawContainer(stored: PackedRawContainer | Buffer, codec: number | null): Buffer {
  const bytes = stored as unknown as Buffer;
  if (codec === null) return bytes;
  if (codec === RawCodec.deflateDictionaryV1WithContext) {
    const context = rawContextFor(bytes, bytes.subarray(0, RAW_CONTEXT_KEY_BYTES));
    return inflateRawSync(bytes.subarray(RAW_CONTEXT_KEY_BYTES), { dictionary: withContext(context) });
  }
  const dictionary = DICTIONARIES.get(codec);
  if (!dictionary) throw new DbError('DB_RAW_CODEC_UNKNOWN', `raw_codec ${codec} is not known to this version`);
  return inflateRawSync(bytes, { dictionary });
}

/** The context key a codec-2 row names (raw-contexts.ts); undefined for other codecs. */
export function rawContextKeyOf(stored: PackedRawContainer | Buffer, codec: number | null): Buffer | undefined {
  return codec === RawCodec.deflateDictionaryV1WithContext ? (stored as unknown as Buffer).subarray(0, RAW_CONTEXT_KEY_BYTES) : undefined;
}
