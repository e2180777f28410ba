/**
 * The contexts codec-2 raw containers were packed with (src/db/raw-container.ts, raw-contexts.ts), as this process has
 * read them: key → the context container as received.
 *
 * One cache for the whole process, whatever database a caller reads: a key is the first 8 bytes of the context's
 * SHA-256, so one key names one content in every database a process opens (two contents sharing a key is a 2^-64
 * chance per pair). Contexts are never updated, so an entry never goes stale; the least recently used are dropped
 * beyond RAW_CONTEXT_CACHE_ENTRIES (≈ 0.9 KB each). What a reader loaded for its rows cannot be dropped under it:
 * loadRawContexts pins each row's context to the row's own raw_container buffer (pinRawContext), for as long as the
 * row lives, and unpacking looks there first.
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

export const RAW_CONTEXT_CACHE_ENTRIES = 20_000;
const cache = new Map<string, RawContext>();
/** A loaded row's context, by the row's raw_container buffer: held exactly as long as the row is. */
const pinned = new WeakMap<object, RawContext>();

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

/** The cached context of this key (now the most recently used), or undefined. */
export function lookUpRawContext(key: Buffer): RawContext | undefined {
  const hex = key.toString('hex');
  const context = cache.get(hex);
  if (context) {
    cache.delete(hex);
    cache.set(hex, context);
  }
  return context;
}

/** Ties a row's raw_container buffer to the context it was packed with (loadRawContexts). */
export function pinRawContext(stored: object, context: RawContext): void {
  pinned.set(stored, context);
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
  if (cache.size > RAW_CONTEXT_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
}

/**
 * The context a codec-2 row's bytes were packed with: the one pinned to `stored` by loadRawContexts, else the cache's
 * for `key`; DB_RAW_CONTEXT_NOT_LOADED if the reader did not load its rows' contexts.
 */
export function rawContextFor(stored: Buffer, key: Buffer): RawContext {
  const context = pinned.get(stored) ?? lookUpRawContext(key);
  if (!context) {
    throw new DbError('DB_RAW_CONTEXT_NOT_LOADED', `raw context ${keyAsBigint(key)} was not loaded: call loadRawContexts for the rows read before unpacking them`);
  }
  if (!context.key.equals(key)) throw new DbError('DB_RAW_CONTEXT_NOT_LOADED', `the context pinned to this row is not the one it names (${keyAsBigint(key)})`);
  return context;
}

/** Forgets every context, as a new process starts: for tests and tools that check that readers load what they unpack. */
export function forgetRawContexts(): void {
  cache.clear();
}
