// Monthly partitions of the document tables (documents, marking_codes, document_events), created ahead of time by the
// SQL function of migration 0002 (since 0076 with their columns in packed order: CREATE TABLE + ATTACH; receipt_items is
// a view since migration 0054). Call at every start-up (after migrateToLatest) and, in long-running processes,
// periodically (daily is plenty): a missing month is not an error — rows go to the DEFAULT partition and are moved out
// when the month's partition is created — but it makes the DEFAULT partition grow.
// Creating a partition locks its parent table exclusively for a moment; the SQL function waits at most 2 s for that lock
// (a long export holds it off) and then fails with DB_PARTITION_FAILED: log it and let the next call retry.
import { sql, type Kysely } from 'kysely';
import { DbErrorCodes, toDbError } from './errors.js';

export interface EnsurePartitionsOptions {
  /** The moment "now" is; months are UTC months. Default: the current time. */
  now?: Date;
  /** Months before the current one to make sure of. Default 1. */
  monthsBehind?: number;
  /** Months after the current one to create ahead. Default 3. */
  monthsAhead?: number;
}

/** First day (UTC) of the month `offset` months from `at`'s, as 'YYYY-MM-DD'. */
export function monthStart(at: Date, offset = 0): string {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
  return d.toISOString().slice(0, 10);
}

/** Creates the missing monthly partitions; returns the names it created (none when all exist). */
export async function ensureDocumentPartitions<D>(db: Kysely<D>, opts: EnsurePartitionsOptions = {}): Promise<string[]> {
  const behind = opts.monthsBehind ?? 1;
  const ahead = opts.monthsAhead ?? 3;
  if (!Number.isInteger(behind) || !Number.isInteger(ahead) || behind < 0 || ahead < 0) {
    throw new RangeError('monthsBehind and monthsAhead must be non-negative integers');
  }
  const from = monthStart(opts.now ?? new Date(), -behind);
  try {
    const { rows } = await sql<{ name: string }>`
      select ofd_ensure_document_partitions(${from}::date, ${behind + 1 + ahead}::integer) as name
    `.execute(db);
    if (rows.length > 0) await partitionStatistics(db);
    return rows.map((r) => r.name);
  } catch (e) {
    throw toDbError(DbErrorCodes.DB_PARTITION_FAILED, 'ensure document partitions', e);
  }
}

/**
 * Extended statistics on each documents partition (migration 0051): a register's documents all carry its organization's
 * INN, but without being told the planner multiplies the two selectivities, estimates a register's receipts 20 times
 * too low (1 000 → 49 on the benchmark) and sorts them all instead of reading the first page off the (register_id,
 * received_at) index. PostgreSQL keeps such statistics per table, so every partition needs its own; ANALYZE
 * (autovacuum) fills them.
 */
async function partitionStatistics<D>(db: Kysely<D>): Promise<void> {
  await sql`
    do $$
    declare p regclass;
    begin
      for p in select inhrelid::regclass from pg_inherits where inhparent = 'documents'::regclass loop
        begin
          execute format('create statistics if not exists %I (dependencies) on register_id, user_inn from %s', p::text || '_register_inn', p);
        exception when unique_violation or duplicate_object then
          null; -- another process created it at the same moment
        end;
      end loop;
    end $$`.execute(db);
}
