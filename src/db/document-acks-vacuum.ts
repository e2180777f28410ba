// Keeps document_acks small (migration 0078). An ack report that comes before its document waits there, and the
// persist worker's insert of the document's key takes it along and deletes it: under load most acks pass through the
// table, and each leaves its space dead until VACUUM. So the persist worker vacuums it itself (table-vacuum.ts), and
// gives the pages back: a backlog of acks waiting for their documents would otherwise keep the file at its largest
// (≈ 100 bytes per document of the backlog) once it has drained. The lock that needs is taken only when free; the acks
// worker's inserts are short and a few per second.
// VACUUM never shrinks an index: the primary key keeps the size of the largest backlog (≈ 45 bytes per document of it),
// so once the backlog has drained (few rows left) and the key is much larger than its rows need, the key is rebuilt — a
// few milliseconds for so few rows — at most once a minute. The table's lock is taken only if free (NOWAIT: no writer
// queues behind it); the index's is waited for 50 ms at most, writers waiting meanwhile; else it is tried next time.
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../observability/logger.js';
import type { Database } from './database.js';
import { createTableVacuum, type TableVacuum } from './table-vacuum.js';

export const DEFAULT_ACKS_VACUUM_MS = 3_000;

/** Rebuild the key when it exceeds this, four times what its rows need (≈ 64 bytes each), and the rows are this few. */
const KEY_BLOAT_BYTES = 1024 * 1024;
const ROWS_FOR_REBUILD = 1_000;
const REBUILD_EVERY_MS = 60_000;

export function createDocumentAcksVacuum(db: Kysely<Database>, logger: Logger, everyMs = DEFAULT_ACKS_VACUUM_MS): TableVacuum {
  let lastRebuild = 0;
  const shrinkKeyAtMostEveryMinute = async () => {
    if (Date.now() - lastRebuild < REBUILD_EVERY_MS) return;
    if (await shrinkKey(db)) lastRebuild = Date.now();
  };
  return createTableVacuum(db, logger, { table: 'document_acks', by: 'the persist worker', everyMs, truncate: true, after: shrinkKeyAtMostEveryMinute });
}

/** Rebuilds document_acks_pkey when a drained backlog left it bloated (reltuples: as the VACUUM just counted). True: tried. */
async function shrinkKey(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ rows: number; key_bytes: number }>`
    select c.reltuples::float8 as rows, pg_relation_size(i.oid)::float8 as key_bytes
      from pg_class c, pg_class i where c.oid = 'document_acks'::regclass and i.oid = 'document_acks_pkey'::regclass`.execute(db);
  const r = rows[0];
  if (r === undefined || r.rows > ROWS_FOR_REBUILD || r.key_bytes < KEY_BLOAT_BYTES || r.key_bytes < 4 * 64 * Math.max(r.rows, 0)) return false;
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
