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
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { DbError } from './errors.js';
import { isRawContextCached, keyAsBigint, keyFromBigint, rawContextKey, rememberRawContext, type RawContext } from './raw-context-cache.js';
import { packRawContainer, rawContextKeyOf, unpackRawContainer, type PackedRawContainer } from './raw-container.js';

interface RawContextRow {
  key: string;
  fn: string;
  container: Buffer;
  raw_codec: number | null;
}

const SELECT_BY_KEY = `select key::text as key, fn, container, raw_codec from raw_contexts where key = any($1::bigint[])`;
const SELECT_BY_FN = `select key::text as key, fn, container, raw_codec from raw_contexts where fn = any($1::text[])`;
// Either unique key may conflict: the drive has a context already (another worker's), or — a SHA-256 prefix collision,
// not expected in practice — another drive's context has this key. Both leave the drive as it was; the select after tells.
const INSERT = `insert into raw_contexts (key, fn, container, raw_codec)
  select * from unnest($1::bigint[], $2::text[], $3::bytea[], $4::smallint[]) as t(key, fn, container, raw_codec) order by fn
  on conflict do nothing`;

function contextOf(row: RawContextRow): RawContext {
  // The context's own container is packed with the dictionary alone (codec 1 or as received), never with a context.
  const context = { key: keyFromBigint(row.key), container: unpackRawContainer(row.container, row.raw_codec) };
  rememberRawContext(context);
  return context;
}

/**
 * Loads the contexts these rows' raw containers were packed with, so that unpackRawContainer can unpack them.
 * Throws DB_RAW_CONTEXT_MISSING when a row names a context raw_contexts does not hold.
 */
export async function loadRawContexts(
  db: Kysely<Database>,
  rows: Iterable<{ readonly raw_container: PackedRawContainer | Buffer; readonly raw_codec: number | null }>,
): Promise<void> {
  const missing = new Map<string, Buffer>();
  for (const r of rows) {
    const key = rawContextKeyOf(r.raw_container, r.raw_codec);
    if (key && !isRawContextCached(key)) missing.set(key.toString('hex'), key);
  }
  if (missing.size === 0) return;
  const { rows: found } = await db.executeQuery<RawContextRow>(CompiledQuery.raw(SELECT_BY_KEY, [[...missing.values()].map(keyAsBigint)]));
  for (const row of found) missing.delete(contextOf(row).key.toString('hex'));
  const lost = missing.values().next().value;
  if (lost) throw new DbError('DB_RAW_CONTEXT_MISSING', `raw_contexts holds no context ${keyAsBigint(lost)}, which stored raw containers name (${missing.size} context(s) missing)`);
}

/** Forms whose container becomes a drive's context: receipts and correction receipts, what a drive sends most. */
const CONTEXT_FORMS: ReadonlySet<number> = new Set([3, 4, 31, 41]);

/** What the writer needs of a document to be stored. */
export interface ContextCandidate {
  readonly fn: string;
  readonly form: number;
  /** The container as received. */
  readonly raw: Buffer;
}

/** The persist worker's side: each drive's context, created from its first receipt. One instance per database. */
export class RawContextsOfDrives {
  private readonly byFn = new Map<string, RawContext>();

  /** `capacity`: drives kept in memory (then the cache starts over). */
  constructor(private readonly capacity = 50_000) {}

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
    const candidates = new Map<string, Buffer>();
    for (const d of docs) if (!out.has(d.fn) && !candidates.has(d.fn) && CONTEXT_FORMS.has(d.form)) candidates.set(d.fn, d.raw);
    if (candidates.size === 0) return out;
    const fns = [...candidates.keys()];
    const packed = [...candidates.values()].map((raw) => packRawContainer(raw));
    await db.executeQuery(CompiledQuery.raw(INSERT, [
      [...candidates.values()].map((raw) => keyAsBigint(rawContextKey(raw))),
      fns,
      packed.map((p) => p.bytes),
      packed.map((p) => p.codec),
    ]));
    await this.select(db, fns, out);
    return out;
  }

  private async select(db: Kysely<Database>, fns: readonly string[], out: Map<string, RawContext>): Promise<void> {
    const { rows } = await db.executeQuery<RawContextRow>(CompiledQuery.raw(SELECT_BY_FN, [fns]));
    for (const row of rows) {
      const context = contextOf(row);
      if (this.byFn.size >= this.capacity) this.byFn.clear();
      this.byFn.set(row.fn, context);
      out.set(row.fn, context);
    }
  }
}
