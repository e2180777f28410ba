// Keeps document_acks small (migration 0078). An ack report that comes before its document waits there, and the
// persist worker's insert of the document's key takes it along and deletes it: under load most acks pass through the
// table, and each leaves its space dead until VACUUM. So the persist worker vacuums it itself (table-vacuum.ts), and
// gives the pages back: a backlog of acks waiting for their documents would otherwise keep the file at its largest
// (≈ 100 bytes per document of the backlog) once it has drained. The lock that needs is taken only when free; the acks
// worker's inserts are short and a few per second. Once drained, the indexes are cleaned up and the primary key is
// rebuilt if the backlog left it large (drained-table.ts). Acks that came after their documents stay for good, and
// their index is needed.
import type { Kysely } from 'kysely';
import type { Logger } from '../observability/logger.js';
import type { Database } from './database.js';
import { drainedUpkeep } from './drained-table.js';
import { createTableVacuum, type TableVacuum } from './table-vacuum.js';

export const DEFAULT_ACKS_VACUUM_MS = 3_000;

export function createDocumentAcksVacuum(db: Kysely<Database>, logger: Logger, everyMs = DEFAULT_ACKS_VACUUM_MS): TableVacuum {
  const upkeep = drainedUpkeep(db, 'document_acks');
  return createTableVacuum(db, logger, {
    table: 'document_acks',
    by: 'the persist worker',
    everyMs,
    truncate: true,
    plan: upkeep.plan,
    after: upkeep.shrinkKey,
  });
}
