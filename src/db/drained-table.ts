// What a worker's own VACUUM of a churned table (table-vacuum.ts) does once the table has drained: document_acks
// after a backlog of acks waiting for their documents, fns_leases after a burst of sends. Both hold few rows most of
// the time and many while work piles up; VACUUM makes the dead rows' space reusable but by itself gives back neither
// the heap's empty pages at the end nor anything of an index. Once drained — few live rows, counted (a count of at
// most 1 001 rows, not the statistics: a VACUUM that skips pages extrapolates them from the pages it read, 20 527
// rows for none in one run) —
//   - the VACUUM truncates the empty pages at the end (the lock that needs is taken only if free; fns_leases only
//     from 1 MB on);
//   - it cleans the indexes up however few rows died (else PostgreSQL skips that when they are on under 2 % of the
//     pages, and their line pointers keep those pages, and the file, from being truncated);
//   - the primary key — which VACUUM never shrinks: it keeps the size of the largest pile, ≈ 45 bytes per row of it —
//     is rebuilt when much larger than its rows need. The rebuild reads the whole heap under a lock that holds the
//     table's writers, so it runs only on a small heap (≤ 8 MB: a few milliseconds), takes that lock only if free
//     (NOWAIT: nobody queues behind it), waits 50 ms at most for the index's, and after that wait runs again a minute
//     later at the earliest.
// None of it on a heap over 64 MB (a pile of ≈ a million rows, whose count could take a while every 3 s), nor with
// many rows; after a pile that large, see docs/operations.md.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import type { VacuumPlan } from './table-vacuum.js';

export type ChurnedTable = 'fns_leases' | 'document_acks';

/**
 * When a table counts as drained: at most this many live rows. document_acks: acks that came after their documents
 * stay for good, so a drained table is a few hundred. fns_leases: none at all — a worker in flight holds up to a couple
 * of hundred, and the truncation's and rebuild's locks would hold its claims up (and the file would grow back at once).
 */
const FEW_ROWS: Record<ChurnedTable, number> = { document_acks: 1_000, fns_leases: 0 };
/** Empty pages at the end given back only from this size on (fns_leases: document_acks always truncates). */
const TRUNCATE_FROM_BYTES = 1024 * 1024;
/** The key is rebuilt when over this size and four times what its rows need (≈ 64 bytes each). */
const KEY_BLOAT_BYTES = 1024 * 1024;
/** Counting, truncation and index cleanup only on a heap this small at most; the rebuild (which reads the heap) on this one. */
const COUNT_HEAP_BYTES = 64 * 1024 * 1024;
const REBUILD_HEAP_BYTES = 8 * 1024 * 1024;
const REBUILD_AGAIN_AFTER_WAIT_MS = 60_000;
const LOCK_NOT_AVAILABLE = '55P03';

export interface DrainedUpkeep {
  /** Before a VACUUM (table-vacuum.ts `plan`): once drained, clean the indexes up, and give empty pages back. */
  plan(): Promise<VacuumPlan>;
  /** After a VACUUM: rebuilds the primary key when a drained pile left it bloated (never twice within a minute of a wait). */
  shrinkKey(): Promise<'rebuilt' | 'skipped' | 'busy' | 'waited' | 'later'>;
}

export function drainedUpkeep(db: Kysely<Database>, table: ChurnedTable): DrainedUpkeep {
  const key = `${table}_pkey`;
  let waitedAt = 0;
  return {
    async plan() {
      const d = await sizesIfDrained(db, table, key);
      if (d === undefined) return {};
      return table === 'fns_leases' ? { indexCleanup: true, truncate: d.heapBytes >= TRUNCATE_FROM_BYTES } : { indexCleanup: true };
    },
    async shrinkKey() {
      if (Date.now() - waitedAt < REBUILD_AGAIN_AFTER_WAIT_MS) return 'later';
      const outcome = await rebuildKey(db, table, key);
      if (outcome === 'waited') waitedAt = Date.now();
      return outcome;
    },
  };
}

/** The sizes, when the table is small enough to count and holds few rows; undefined otherwise. */
async function sizesIfDrained(db: Kysely<Database>, table: ChurnedTable, key: string): Promise<{ rows: number; heapBytes: number; keyBytes: number } | undefined> {
  const { rows: sizes } = await sql<{ heap_bytes: number; key_bytes: number }>`
    select pg_relation_size(${table}::regclass)::float8 as heap_bytes, pg_relation_size(${key}::regclass)::float8 as key_bytes`.execute(db);
  const size = sizes[0];
  if (size === undefined || size.heap_bytes > COUNT_HEAP_BYTES) return undefined;
  const few = FEW_ROWS[table];
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from (select 1 from ${sql.table(table)} limit ${few + 1}) live`.execute(db);
  const n = rows[0]?.n ?? few + 1;
  return n > few ? undefined : { rows: n, heapBytes: size.heap_bytes, keyBytes: size.key_bytes };
}

async function rebuildKey(db: Kysely<Database>, table: ChurnedTable, key: string): Promise<'rebuilt' | 'skipped' | 'busy' | 'waited'> {
  const d = await sizesIfDrained(db, table, key);
  if (d === undefined || d.heapBytes > REBUILD_HEAP_BYTES || d.keyBytes < KEY_BLOAT_BYTES || d.keyBytes < 4 * 64 * d.rows) return 'skipped';
  let locked = false;
  try {
    await db.transaction().execute(async (trx) => {
      await sql`set local lock_timeout = '50ms'`.execute(trx);
      await sql`lock table ${sql.table(table)} in share mode nowait`.execute(trx);
      locked = true;
      await sql`reindex index ${sql.table(key)}`.execute(trx);
    });
    return 'rebuilt';
  } catch (e) {
    if ((e as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw e;
    return locked ? 'waited' : 'busy';
  }
}
