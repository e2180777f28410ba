// The rows the persist worker updates in place, batch after batch (issue 12 target 4, disk per receipt): a fiscal
// drive's last FD, a shift's totals, the hourly and daily rollups, the daily item rollups, a register's last contact,
// and the gaps in a drive's FD numbers (inserted and deleted as late documents fill them).
//
// Most of these updates are heap-only (HOT: migration 0073 leaves room on each page) and the versions they replace are
// pruned by the next access to the page. The rest — an update that finds its page full, a gap deleted — leave dead
// rows until VACUUM, and until VACUUM records the free space no insert reuses it: the tables grow with every batch.
// Autovacuum takes care of that where it runs. Where it is off (some installations; this project's CI machine), the
// persist worker vacuums these tables itself (table-vacuum.ts) at most every `everyMs`, while the server's autovacuum
// setting stays off: a VACUUM reads only the pages changed since the last one (the visibility map) and skips the
// index pass while few rows died. Measured end to end (docs/benchmarks): see docs/operations.md, "Disk".
import type { Kysely } from 'kysely';
import type { Logger } from '../observability/logger.js';
import type { Database } from './database.js';
import { createTableVacuum, type TableVacuum, type VacuumedTable } from './table-vacuum.js';

export const DEFAULT_CHURNED_TABLES_VACUUM_MS = 5_000;

export const PERSIST_CHURNED_TABLES: readonly VacuumedTable[] = [
  'fiscal_drives',
  'shifts',
  'report_rollup_hourly',
  'report_rollup_daily',
  'report_item_daily_ids',
  'registers',
  'fd_gaps',
];

export function createChurnedTablesVacuum(db: Kysely<Database>, logger: Logger, everyMs = DEFAULT_CHURNED_TABLES_VACUUM_MS): TableVacuum {
  return createTableVacuum(db, logger, { table: PERSIST_CHURNED_TABLES, by: 'the persist worker', everyMs, whileAutovacuumIsOff: true });
}
