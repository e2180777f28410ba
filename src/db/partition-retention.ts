// The 5-year retention of fiscal documents (54-ФЗ), month by month: every partitioned document table has one partition
// per UTC month of received_at, named <table>_pYYYYMM (partitions.ts). A month whose retention has ended is DETACHED
// from every table in one transaction (it leaves the live tables together), archived with pg_dump, and only then
// dropped (docs/operations.md "Backup and retention").
//
// Why no CONCURRENTLY: PostgreSQL refuses DETACH … CONCURRENTLY while the table has a DEFAULT partition, and ours do.
// A plain DETACH takes an ACCESS EXCLUSIVE lock on the parent for a moment (no data is moved); lock_timeout bounds how
// long inserts queue behind it when a long reader holds the table — then it fails and can simply be run again.
import { CodedError } from '../domain/errors.js';
import { sql, type Kysely } from 'kysely';

/** Fiscal documents are kept 5 years after the month they were received in. */
export const RETENTION_YEARS = 5;
const DETACH_LOCK_TIMEOUT = '5s';

export interface MonthPartition {
  /** The partitioned table, e.g. documents. */
  readonly parent: string;
  /** <parent>_pYYYYMM. */
  readonly name: string;
  /** YYYY-MM. */
  readonly month: string;
  /** attached: part of the live table; detached: a table of its own, waiting to be archived and dropped. */
  readonly state: 'attached' | 'detached';
  /** PostgreSQL's estimate (reltuples; -1 or 0 until the table was analysed). */
  readonly estimatedRows: number;
  /** Table, indexes and TOAST. */
  readonly bytes: number;
}

export class PartitionRetentionError extends CodedError<'PARTITION_BAD_MONTH' | 'PARTITION_IN_RETENTION' | 'PARTITION_NOT_FOUND' | 'PARTITION_OPEN'> {
  override readonly name = 'PartitionRetentionError';
}

/** 'YYYY-MM' → the month's first instant (UTC); throws PARTITION_BAD_MONTH otherwise. */
export function parseMonth(month: string): Date {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new PartitionRetentionError('PARTITION_BAD_MONTH', `expected a month as YYYY-MM, got ${JSON.stringify(month)}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
}

/** The first instant at which a month may leave the live tables: RETENTION_YEARS after the month's end. */
export function retentionEnds(month: string): Date {
  const start = parseMonth(month);
  return new Date(Date.UTC(start.getUTCFullYear() + RETENTION_YEARS, start.getUTCMonth() + 1, 1));
}

/** Every monthly partition of every partitioned table in the schema, attached or detached (found by name). */
export async function listMonthPartitions<D>(db: Kysely<D>): Promise<MonthPartition[]> {
  const { rows } = await sql<{ parent: string; name: string; attached: boolean; reltuples: number; bytes: string }>`
    select p.relname as parent, c.relname as name, i.inhrelid is not null as attached,
           c.reltuples::float8 as reltuples, pg_total_relation_size(c.oid)::text as bytes
      from pg_partitioned_table pt
      join pg_class p on p.oid = pt.partrelid
      join pg_class c on c.relnamespace = p.relnamespace and c.relkind = 'r'
                     and c.relname ~ ('^' || p.relname || '_p[0-9]{6}$')
      left join pg_inherits i on i.inhrelid = c.oid and i.inhparent = p.oid
     where p.relnamespace = current_schema()::regnamespace
     order by c.relname`.execute(db);
  return rows.map((r) => {
    const yyyymm = r.name.slice(-6);
    return {
      parent: r.parent,
      name: r.name,
      month: `${yyyymm.slice(0, 4)}-${yyyymm.slice(4)}`,
      state: r.attached ? 'attached' : 'detached',
      estimatedRows: Math.max(0, Math.round(r.reltuples)),
      bytes: Number(r.bytes),
    };
  });
}

export interface DetachOptions {
  /** The moment "now" is (tests). */
  readonly now?: Date;
  /** Detach although the month is still within the retention period (it leaves the cabinet and the reports). */
  readonly force?: boolean;
}

/**
 * Detaches the month's partition from every partitioned table, in one transaction; returns the tables detached (they
 * stay in the database as ordinary tables). Refuses a month still within retention unless forced, and never the
 * current or a later month, whose partitions still receive rows.
 */
export async function detachMonth<D>(db: Kysely<D>, month: string, options: DetachOptions = {}): Promise<string[]> {
  const now = options.now ?? new Date();
  const start = parseMonth(month);
  const currentMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  if (start >= currentMonth) {
    throw new PartitionRetentionError('PARTITION_IN_RETENTION', `${month} is the current or a future month: its partitions still receive documents`);
  }
  const ends = retentionEnds(month);
  if (!options.force && now < ends) {
    throw new PartitionRetentionError(
      'PARTITION_IN_RETENTION',
      `${month} must be kept until ${ends.toISOString().slice(0, 10)} (${RETENTION_YEARS} years after the month's end); --force detaches it anyway`,
    );
  }
  const attached = (await listMonthPartitions(db)).filter((p) => p.month === month && p.state === 'attached');
  if (attached.length === 0) throw new PartitionRetentionError('PARTITION_NOT_FOUND', `no attached partition of ${month}`);
  await db.transaction().execute(async (trx) => {
    await sql`select set_config('lock_timeout', ${DETACH_LOCK_TIMEOUT}, true)`.execute(trx);
    for (const p of attached) {
      await sql`alter table ${sql.table(p.parent)} detach partition ${sql.table(p.name)}`.execute(trx);
    }
  });
  return attached.map((p) => p.name);
}
