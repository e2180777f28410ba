// Keeps document_acks small (migration 0078). An ack report that comes before its document waits there, and the
// persist worker's insert of the document's key takes it along and deletes it: under load most acks pass through the
// table, and each leaves its space dead until VACUUM. So the persist worker vacuums it itself (table-vacuum.ts), and
// gives the pages back: a backlog of acks waiting for their documents would otherwise keep the file at its largest
// (≈ 100 bytes per document of the backlog) once it has drained. The lock that needs is taken only when free; the acks
// worker's inserts are short and a few per second.
// Once a backlog has drained (few rows left, by the statistics' count of live rows), each VACUUM also cleans the index
// up whatever the number of dead rows (else PostgreSQL skips that when they are few, and the pages holding their line
// pointers stop the file from being truncated), and the primary key — which VACUUM never shrinks: it keeps the size of
// the largest backlog, ≈ 45 bytes per document of it — is rebuilt when much larger than its rows need, a few
// milliseconds for so few rows, at most once a minute. The rebuild takes the table's lock only if free (NOWAIT: no
// writer queues behind it) and waits 50 ms at most for the index's, writers waiting meanwhile; else it is tried next
// time. With many rows (acks that came after their documents stay for good) neither runs: their index is needed.
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../observability/logger.js';
import type { Database } from './database.js';
import { createTableVacuum, type TableVacuum } from './table-vacuum.js';

export const DEFAULT_ACKS_VACUUM_MS = 3_000;

/** A drained backlog: this few live rows. The key is rebuilt when over this size and four times what they need (≈ 64 bytes each). */
const FEW_ROWS = 1_000;
const KEY_BLOAT_BYTES = 1024 * 1024;
const REBUILD_EVERY_MS = 60_000;

export function createDocumentAcksVacuum(db: Kysely<Database>, logger: Logger, everyMs = DEFAULT_ACKS_VACUUM_MS): TableVacuum {
  let lastRebuild = 0;
  const shrinkKeyAtMostEveryMinute = async () => {
    if (Date.now() - lastRebuild < REBUILD_EVERY_MS) return;
    if (await shrinkKey(db)) lastRebuild = Date.now();
  };
  return createTableVacuum(db, logger, {
    table: 'document_acks',
    by: 'the persist worker',
    everyMs,
    truncate: true,
    indexCleanup: async () => (await liveRows(db)) <= FEW_ROWS,
    after: shrinkKeyAtMostEveryMinute,
  });
}

/** The statistics' count of live rows (inserts minus deletes, as reported; -1 when unknown), not a scan. */
async function liveRows(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select coalesce((select n_live_tup from pg_stat_user_tables where relid = 'document_acks'::regclass), -1)::float8 as n`.execute(db);
  return rows[0]?.n ?? -1;
}

/** Rebuilds document_acks_pkey when a drained backlog left it bloated. True: tried. */
async function shrinkKey(db: Kysely<Database>): Promise<boolean> {
  const rows = await liveRows(db);
  if (rows < 0 || rows > FEW_ROWS) return false;
  const { rows: sizes } = await sql<{ key_bytes: number }>`select pg_relation_size('document_acks_pkey')::float8 as key_bytes`.execute(db);
  const keyBytes = sizes[0]?.key_bytes ?? 0;
  if (keyBytes < KEY_BLOAT_BYTES || keyBytes < 4 * 64 * rows) return false;
  try {
    await db.transaction().execute(async (trx) => {
      await sql`set local lock_timeout = '50ms'`.execute(trx);
      await sql`lock table document_acks in share mode nowait`.execute(trx);
      await sql`reindex index document_acks_pkey`.execute(trx);
    });
  } catch (e) {
    if ((e as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw e;
  }
  return true;
}

const LOCK_NOT_AVAILABLE = '55P03';
