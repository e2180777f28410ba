// Keeps document_acks small (migration 0078). An ack report that comes before its document waits there, and the
// persist worker's insert of the document's key takes it along and deletes it: under load most acks pass through the
// table, and each leaves its space dead until VACUUM. So the persist worker vacuums it itself (table-vacuum.ts), and
// gives the pages back: a backlog of acks waiting for their documents would otherwise keep the file at its largest
// (≈ 100 bytes per document of the backlog) once it has drained. The lock that needs is taken only when free; the acks
// worker's inserts are short and a few per second.
// Once a backlog has drained — few live rows, counted (a count of at most 1 001 rows, not the statistics: a VACUUM
// that skips pages extrapolates them from the pages it read, 20 527 rows for none in one run) — each VACUUM also
// cleans the index up however few rows died (else PostgreSQL skips that when they are on under 2 % of the pages, and
// their line pointers keep those pages, and the file, from being truncated), and the primary key — which VACUUM never
// shrinks: it keeps the size of the largest backlog, ≈ 45 bytes per document of it — is rebuilt when much larger than
// its rows need. The rebuild reads the whole heap under a lock that holds the table's writers, so it runs only on a
// small heap (≤ 8 MB: a few milliseconds), takes that lock only if free (NOWAIT: nobody queues behind it), waits 50 ms
// at most for the index's, and after that wait runs again a minute later at the earliest. Neither runs on a heap over
// 64 MB (a backlog of ≈ a million acks, whose count could take a while every 3 s), nor with many rows — acks that came
// after their documents stay for good, and their index is needed; after a backlog that large, see docs/operations.md.
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../observability/logger.js';
import type { Database } from './database.js';
import { createTableVacuum, type TableVacuum } from './table-vacuum.js';

export const DEFAULT_ACKS_VACUUM_MS = 3_000;

/** A drained backlog: this few live rows. The key is rebuilt when over this size and four times what they need (≈ 64 bytes each). */
const FEW_ROWS = 1_000;
const KEY_BLOAT_BYTES = 1024 * 1024;
/** Counting and index cleanup only on a heap this small at most; the rebuild (which reads the heap) on this one. */
const COUNT_HEAP_BYTES = 64 * 1024 * 1024;
const REBUILD_HEAP_BYTES = 8 * 1024 * 1024;
const REBUILD_AGAIN_AFTER_WAIT_MS = 60_000;

export function createDocumentAcksVacuum(db: Kysely<Database>, logger: Logger, everyMs = DEFAULT_ACKS_VACUUM_MS): TableVacuum {
  let waitedAt = 0;
  const shrinkKeyUnlessWaitedLately = async () => {
    if (Date.now() - waitedAt < REBUILD_AGAIN_AFTER_WAIT_MS) return;
    if ((await shrinkKey(db)) === 'waited') waitedAt = Date.now();
  };
  return createTableVacuum(db, logger, {
    table: 'document_acks',
    by: 'the persist worker',
    everyMs,
    truncate: true,
    indexCleanup: async () => (await drained(db)) !== undefined,
    after: shrinkKeyUnlessWaitedLately,
  });
}

/** The sizes, when the table is small enough to count and holds few rows; undefined otherwise. */
async function drained(db: Kysely<Database>): Promise<{ rows: number; heapBytes: number; keyBytes: number } | undefined> {
  const { rows: sizes } = await sql<{ heap_bytes: number; key_bytes: number }>`
    select pg_relation_size('document_acks')::float8 as heap_bytes, pg_relation_size('document_acks_pkey')::float8 as key_bytes`.execute(db);
  const size = sizes[0];
  if (size === undefined || size.heap_bytes > COUNT_HEAP_BYTES) return undefined;
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from (select 1 from document_acks limit ${FEW_ROWS + 1}) live`.execute(db);
  const n = rows[0]?.n ?? FEW_ROWS + 1;
  return n > FEW_ROWS ? undefined : { rows: n, heapBytes: size.heap_bytes, keyBytes: size.key_bytes };
}

/** Rebuilds document_acks_pkey when a drained backlog left it bloated: 'waited' when its index lock timed out. */
async function shrinkKey(db: Kysely<Database>): Promise<'rebuilt' | 'skipped' | 'busy' | 'waited'> {
  const d = await drained(db);
  if (d === undefined || d.heapBytes > REBUILD_HEAP_BYTES || d.keyBytes < KEY_BLOAT_BYTES || d.keyBytes < 4 * 64 * d.rows) return 'skipped';
  let locked = false;
  try {
    await db.transaction().execute(async (trx) => {
      await sql`set local lock_timeout = '50ms'`.execute(trx);
      await sql`lock table document_acks in share mode nowait`.execute(trx);
      locked = true;
      await sql`reindex index document_acks_pkey`.execute(trx);
    });
    return 'rebuilt';
  } catch (e) {
    if ((e as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw e;
    return locked ? 'waited' : 'busy';
  }
}

const LOCK_NOT_AVAILABLE = '55P03';
