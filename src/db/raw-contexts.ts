/**
 * Fiscal drives' contexts for packing raw containers (migration 0081; raw_codec 2 in raw-container.ts): a drive's first
 * receipt, stored once in raw_contexts, appended to the deflate dictionary of every container of that drive stored after.
 *
 * Writing (the persist worker, RawContextsOfDrives): before a batch's transaction, the contexts of its drives are read,
 * and a drive that has none yet and has a receipt in the batch gets one, by a statement that commits on its own (as
 * item names do, item-name-dictionary.ts): a context whose batch then fails stays, harmless, and is used by the next
 * batch of that drive. Two workers racing for one drive both end up with the one row that won (unique fn).
 *
 * Reading: loadRawContexts(db, rows) after the query, then unpackRawContainer per row (synchronous). Contexts are cached
 * for the life of the process (raw-context-cache.ts): one query the first time a drive is read, none after.
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.js';
import { DbError } from './errors.js';
import { keyAsBigint, keyFromBigint, lookUpRawContext, pinRawContext, rawContextKey, rememberRawContext, type RawContext } from './raw-context-cache.js';
import { packRawContainer, rawContextKeyOf, unpackRawContainer, type PackedRawContainer } from './raw-container.js';

interface RawContextRow {
  key: string;
  fn: string;
  fd: number;
  container: Buffer;
  raw_codec: number | null;
}

const SELECT_BY_KEY = `select key::text as key, fn, fd, container, raw_codec from raw_contexts where key = any($1::bigint[])`;
const SELECT_BY_FN = `select key::text as key, fn, fd, container, raw_codec from raw_contexts where fn = any($1::text[])`;
// Either unique key may conflict: the drive has a context already (another worker's), or — a SHA-256 prefix collision,
// not expected in practice — another drive's context has this key. Both leave the drive as it was; the select after tells.
const INSERT = `insert into raw_contexts (key, fn, fd, container, raw_codec)
  select * from unnest($1::bigint[], $2::text[], $3::bigint[], $4::bytea[], $5::smallint[]) as t(key, fn, fd, container, raw_codec) order by fn
  on conflict do nothing`;
// In the batch's transaction: the contexts it packed with still exist. Nothing deletes them but going down past 0081,
// whose first step locks raw_contexts ACCESS EXCLUSIVE and so waits for this transaction (and this one, having read
// them, commits before the drop); a database migrated down and up again under a running worker would have lost them.
// No row lock: a lock per context per batch would write to raw_contexts on every batch.
const CONFIRM = `select key::text as key from raw_contexts where key = any($1::bigint[])`;

function contextOf(row: RawContextRow): RawContext {
  let container: Buffer;
  try {
    // The context's own container is packed with the dictionary alone (codec 1 or as received), never with a context.
    container = unpackRawContainer(row.container, row.raw_codec);
  } catch (e) {
    throw new DbError('DB_RAW_CONTEXT_DAMAGED', `raw_contexts row ${row.key} does not unpack (${e instanceof Error ? e.message : String(e)}): its container is damaged`);
  }
  const context = { key: keyFromBigint(row.key), container };
  rememberRawContext(context);
  return context;
}

const isUnreadableContext = (e: unknown): e is DbError => e instanceof DbError && (e.code === 'DB_RAW_CONTEXT_DAMAGED' || e.code === 'DB_RAW_CONTEXT_MISSING');

/**
 * Loads the contexts these rows' raw containers were packed with, so that unpackRawContainer can unpack them: each is
 * pinned to its row's raw_container for the row's life (raw-context-cache.ts), whatever the cache drops meanwhile.
 * A row whose context raw_contexts does not hold (DB_RAW_CONTEXT_MISSING) or holds damaged (DB_RAW_CONTEXT_DAMAGED)
 * makes it throw — or, with `skipUnreadable`, is left out and returned with its error (by its raw_container), so that a
 * reader of many documents can go on with the others.
 */
export async function loadRawContexts(
  db: Kysely<Database>,
  rows: Iterable<{ readonly raw_container: PackedRawContainer | Buffer; readonly raw_codec: number | null }>,
  options: { readonly skipUnreadable?: boolean } = {},
): Promise<ReadonlyMap<object, DbError>> {
  const unreadable = new Map<object, DbError>();
  const waiting = new Map<string, { key: Buffer; stored: object[] }>();
  for (const r of rows) {
    const key = rawContextKeyOf(r.raw_container, r.raw_codec);
    if (!key) continue;
    const cached = lookUpRawContext(key);
    if (cached) {
      pinRawContext(r.raw_container, cached);
      continue;
    }
    const hex = key.toString('hex');
    const entry = waiting.get(hex) ?? { key, stored: [] };
    entry.stored.push(r.raw_container);
    waiting.set(hex, entry);
  }
  if (waiting.size === 0) return unreadable;
  const { rows: found } = await db.executeQuery<RawContextRow>(CompiledQuery.raw(SELECT_BY_KEY, [[...waiting.values()].map((w) => keyAsBigint(w.key))]));
  for (const row of found) {
    const hex = keyFromBigint(row.key).toString('hex');
    const entry = waiting.get(hex);
    waiting.delete(hex);
    let context: RawContext;
    try {
      context = contextOf(row);
    } catch (e) {
      if (!options.skipUnreadable || !isUnreadableContext(e)) throw e;
      for (const stored of entry?.stored ?? []) unreadable.set(stored, e);
      continue;
    }
    for (const stored of entry?.stored ?? []) pinRawContext(stored, context);
  }
  for (const lost of waiting.values()) {
    const error = new DbError('DB_RAW_CONTEXT_MISSING', `raw_contexts holds no context ${keyAsBigint(lost.key)}, which stored raw containers name (${waiting.size} context(s) missing)`);
    if (!options.skipUnreadable) throw error;
    for (const stored of lost.stored) unreadable.set(stored, error);
  }
  return unreadable;
}

/** Forms whose container becomes a drive's context: receipts and correction receipts, what a drive sends most. */
const CONTEXT_FORMS: ReadonlySet<number> = new Set([3, 4, 31, 41]);

/** What the writer needs of a document to be stored. */
export interface ContextCandidate {
  readonly fn: string;
  readonly fd: number;
  readonly form: number;
  /** The container as received. */
  readonly raw: Buffer;
}

/**
 * The persist worker's side: each drive's context, created from its first receipt. One instance per database.
 *
 * The receipt that became the context is itself stored without it (codec 1): the documents row stays a copy of its
 * own (raw_contexts.fd names it), from which the context could be checked or rebuilt while that month is kept.
 */
export class RawContextsOfDrives {
  private readonly byFn = new Map<string, RawContext>();

  /** `capacity`: drives kept in memory (then the cache starts over). */
  constructor(private readonly capacity = 20_000) {}

  /** Forgets every drive's context: the next batch reads them again (after DB_RAW_CONTEXT_MISSING from confirm). */
  clear(): void {
    this.byFn.clear();
  }

  /**
   * The contexts of these documents' drives, creating one (committed at once) for a drive that has none and a receipt
   * among `docs`: its first receipt in the order given. A drive without a context is absent from the result.
   */
  async forDocuments(db: Kysely<Database>, docs: readonly ContextCandidate[]): Promise<ReadonlyMap<string, RawContext>> {
    const out = new Map<string, RawContext>();
    const unknown = new Set<string>();
    for (const d of docs) {
      const known = this.byFn.get(d.fn);
      if (known) out.set(d.fn, known);
      else unknown.add(d.fn);
    }
    if (unknown.size === 0) return out;
    await this.select(db, [...unknown], out);
    const candidates = new Map<string, ContextCandidate>();
    for (const d of docs) if (!out.has(d.fn) && !candidates.has(d.fn) && CONTEXT_FORMS.has(d.form)) candidates.set(d.fn, d);
    if (candidates.size === 0) return out;
    const chosen = [...candidates.values()];
    const packed = chosen.map((d) => packRawContainer(d.raw));
    await db.executeQuery(CompiledQuery.raw(INSERT, [
      chosen.map((d) => keyAsBigint(rawContextKey(d.raw))),
      chosen.map((d) => d.fn),
      chosen.map((d) => d.fd),
      packed.map((p) => p.bytes),
      packed.map((p) => p.codec),
    ]));
    const fns = chosen.map((d) => d.fn);
    await this.select(db, fns, out);
    return out;
  }

  private async select(db: Kysely<Database>, fns: readonly string[], out: Map<string, RawContext>): Promise<void> {
    const { rows } = await db.executeQuery<RawContextRow>(CompiledQuery.raw(SELECT_BY_FN, [fns]));
    for (const row of rows) {
      let context: RawContext;
      try {
        context = contextOf(row);
      } catch (e) {
        // A damaged context must not stop the drive's documents from being stored: they are packed without one (its
        // readers of the documents packed with it before fail loudly, DB_RAW_CONTEXT_DAMAGED).
        if (isUnreadableContext(e)) continue;
        throw e;
      }
      if (this.byFn.size >= this.capacity) this.byFn.clear();
      this.byFn.set(row.fn, context);
      out.set(row.fn, context);
    }
  }
}

/** The context a document is packed with: its drive's, except for the receipt that became it (stored as its own copy). */
export function packingContext(contexts: ReadonlyMap<string, RawContext>, fn: string, raw: Buffer): RawContext | undefined {
  const context = contexts.get(fn);
  return context && !context.container.equals(raw) ? context : undefined;
}

/**
 * In the batch's transaction, before its documents are written: the contexts they were packed with exist (see CONFIRM
 * for why they still do at the commit). DB_RAW_CONTEXT_MISSING otherwise: the caller forgets its contexts
 * (RawContextsOfDrives.clear) and the batch is retried.
 */
export async function confirmRawContexts(trx: Transaction<Database>, contexts: Iterable<RawContext>): Promise<void> {
  const keys = new Map<string, string>();
  for (const c of contexts) keys.set(c.key.toString('hex'), keyAsBigint(c.key));
  if (keys.size === 0) return;
  const { rows } = await trx.executeQuery<{ key: string }>(CompiledQuery.raw(CONFIRM, [[...keys.values()]]));
  if (rows.length < keys.size) {
    throw new DbError('DB_RAW_CONTEXT_MISSING', `${keys.size - rows.length} raw context(s) this batch was packed with are not in raw_contexts (was the database migrated down under a running worker?); the batch is packed again when retried`);
  }
}
