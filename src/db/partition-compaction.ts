// Compacting a closed month's indexes (issue 12, disk per receipt).
//
// Why: registers send their documents interleaved, so every index keyed by (fn, fd) — and those by register or outlet
// — takes new entries in the middle of the tree, at the end of each drive's range. A page that fills there splits in
// half and the older half is never written again: these indexes settle about half full (`npm run bench:disk`: ≈ 190 of
// the ≈ 1 750 bytes per document are this empty space). A month's partition receives nothing once the month is over
// (partitions are by received_at), so rebuilding its indexes then packs them for good: REINDEX … CONCURRENTLY, index by
// index, while the cabinet and the workers go on (it waits for transactions using the table, and takes no lock that
// blocks reads or writes for longer than a catalog swap).
//
// The (fn, fd) indexes of the tables that are not partitioned (document_keys, fns_status, document_acks) keep taking
// entries everywhere; rebuilding them packs what is there, and only the new entries spread again: `keys` does it too.
import { sql, type Kysely } from 'kysely';
import { listMonthPartitions, parseMonth, PartitionRetentionError } from './partition-retention.js';

/** The tables outside the monthly partitions whose indexes grow with every document. */
export const KEY_TABLES = ['document_keys', 'fns_status', 'document_acks'] as const;

export interface CompactedIndex {
  readonly table: string;
  readonly index: string;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

export interface CompactOptions {
  /** The moment "now" is (tests, benchmarks). */
  readonly now?: Date;
  /** Also rebuild the (fn, fd) indexes of KEY_TABLES. */
  readonly keys?: boolean;
  /** Called before each index is rebuilt: progress for a long run. */
  readonly onIndex?: (index: { table: string; index: string; bytes: number; position: number; of: number }) => void;
}

interface IndexToCompact {
  readonly table: string;
  readonly index: string;
  readonly bytes: number;
}

async function indexesOf<D>(db: Kysely<D>, tables: readonly string[]): Promise<IndexToCompact[]> {
  const { rows } = await sql<{ table: string; index: string; bytes: string }>`
    select t.relname as table, i.relname as index, pg_relation_size(i.oid)::text as bytes
      from pg_index x
      join pg_class t on t.oid = x.indrelid
      join pg_class i on i.oid = x.indexrelid
     where t.relnamespace = current_schema()::regnamespace and t.relname = any(${tables}::text[]) and x.indisvalid
     order by t.relname, i.relname`.execute(db);
  return rows.map((r) => ({ table: r.table, index: r.index, bytes: Number(r.bytes) }));
}

/**
 * An interrupted REINDEX CONCURRENTLY leaves an invalid copy named <index>_ccnew (or _ccold) behind, which every insert
 * still maintains: drop those of these tables first.
 */
async function dropLeftovers<D>(db: Kysely<D>, tables: readonly string[]): Promise<void> {
  const { rows } = await sql<{ index: string }>`
    select i.relname as index
      from pg_index x
      join pg_class t on t.oid = x.indrelid
      join pg_class i on i.oid = x.indexrelid
     where t.relnamespace = current_schema()::regnamespace and t.relname = any(${tables}::text[])
       and not x.indisvalid and i.relname ~ '_cc(new|old)[0-9]*$'`.execute(db);
  for (const { index } of rows) await sql`drop index concurrently if exists ${sql.id(index)}`.execute(db);
}

/**
 * Rebuilds every index of the month's attached partitions (and, with `keys`, of KEY_TABLES), one at a time, online.
 * Refuses the current and later months, whose partitions still receive documents. Returns each index's size before
 * and after. Run again after an interruption: it cleans up and rebuilds again.
 */
export async function compactMonth<D>(db: Kysely<D>, month: string, options: CompactOptions = {}): Promise<CompactedIndex[]> {
  const now = options.now ?? new Date();
  const start = parseMonth(month);
  if (start >= new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))) {
    throw new PartitionRetentionError('PARTITION_OPEN', `${month} is the current or a future month: its partitions still receive documents, compact it once it is over`);
  }
  const partitions = (await listMonthPartitions(db)).filter((p) => p.month === month && p.state === 'attached').map((p) => p.name);
  if (partitions.length === 0) throw new PartitionRetentionError('PARTITION_NOT_FOUND', `no attached partition of ${month}`);
  const tables = [...partitions, ...(options.keys ? KEY_TABLES : [])];
  await dropLeftovers(db, tables);
  const indexes = await indexesOf(db, tables);
  const compacted: CompactedIndex[] = [];
  for (const [i, ix] of indexes.entries()) {
    options.onIndex?.({ ...ix, position: i + 1, of: indexes.length });
    await sql`reindex index concurrently ${sql.id(ix.index)}`.execute(db);
    const { rows } = await sql<{ bytes: string }>`select pg_relation_size(${ix.index}::regclass)::text as bytes`.execute(db);
    compacted.push({ table: ix.table, index: ix.index, bytesBefore: ix.bytes, bytesAfter: Number(rows[0]!.bytes) });
  }
  return compacted;
}
