/**
 * The contexts codec-2 raw containers were packed with (src/db/raw-container.ts, raw-contexts.ts), as this process has
 * read them: key → the context container as received.
 *
 * One cache for the whole process, whatever database a caller reads: a key is the first 8 bytes of the context's
 * SHA-256, so one key names one content in every database (a test or a tool that opens several databases cannot be
 * served another database's context). Contexts are never updated, so an entry never goes stale; the least recently
 * used are dropped beyond MAX_ENTRIES (≈ 0.9 KB each).
 */
import { createHash } from 'node:crypto';
import { DbError } from './errors.js';

/** How many bytes of the SHA-256 name a context: the row's raw_container starts with them. */
export const RAW_CONTEXT_KEY_BYTES = 8;

export interface RawContext {
  /** RAW_CONTEXT_KEY_BYTES bytes. */
  readonly key: Buffer;
  /** The context container as received. */
  readonly container: Buffer;
}

const MAX_ENTRIES = 20_000;
const cache = new Map<string, RawContext>();

/** The key that names this content. */
export function rawContextKey(container: Buffer): Buffer {
  return createHash('sha256').update(container).digest().subarray(0, RAW_CONTEXT_KEY_BYTES);
}

/** The key as PostgreSQL's bigint (raw_contexts.key): the same 8 bytes, big-endian, signed. */
export const keyAsBigint = (key: Buffer): string => key.readBigInt64BE(0).toString();

export function keyFromBigint(value: string): Buffer {
  const key = Buffer.alloc(RAW_CONTEXT_KEY_BYTES);
  key.writeBigInt64BE(BigInt(value));
  return key;
}

export function isRawContextCached(key: Buffer): boolean {
  return cache.has(key.toString('hex'));
}

/**
 * Remembers a context read from (or written to) raw_contexts. Throws DB_RAW_CONTEXT_DAMAGED when the content does
 * not hash to its key: a damaged row would unpack every container that names it wrongly.
 */
export function rememberRawContext(context: RawContext): void {
  if (!rawContextKey(context.container).equals(context.key)) {
    throw new DbError('DB_RAW_CONTEXT_DAMAGED', `raw_contexts row ${keyAsBigint(context.key)} does not hash to its key: its container is damaged`);
  }
  const hex = context.key.toString('hex');
  cache.delete(hex);
  cache.set(hex, context);
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
}

/** The context of this key; DB_RAW_CONTEXT_NOT_LOADED if the reader did not load its rows' contexts (loadRawContexts). */
export function cachedRawContext(key: Buffer): RawContext {
  const hex = key.toString('hex');
  const context = cache.get(hex);
  if (!context) {
    throw new DbError('DB_RAW_CONTEXT_NOT_LOADED', `raw context ${keyAsBigint(key)} was not loaded: call loadRawContexts for the rows read before unpacking them`);
  }
  // Most recently used last.
  cache.delete(hex);
  cache.set(hex, context);
  return context;
}

/** Forgets every context, as a new process starts: for tests and tools that check that readers load what they unpack. */
export function forgetRawContexts(): void {
  cache.clear();
}
