// A worker vacuums a small table it churns itself, instead of waiting for autovacuum: rows that are inserted and
// deleted a moment later (fns_leases, the acks waiting in document_acks) leave their space dead until VACUUM passes,
// and autovacuum visits a database once a minute at best — some installations turn it off (this project's CI machine
// does). At most every `everyMs`, in the background, never throwing: a few milliseconds for a table this size.
// `skip_locked`: when another worker's VACUUM is running, this one is skipped instead of waiting for it.
// `truncate`: giving empty pages at the end back to the file system needs an exclusive lock, taken only if free (VACUUM
// retries for up to ≈ 5 s, a pooled connection held all along) and then briefly blocking the table's writers; without
// it the pages are reused, and the file keeps its largest size.
// VACUUM by a role that does not own the table only warns, in the server's log: ownership is checked once instead.
// `whileAutovacuumIsOff`: for tables autovacuum keeps in shape where it runs (rows updated in place, churned-tables-
// vacuum.ts), the VACUUM runs only while the server's autovacuum setting is off (asked each time: a reload may change it).
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../observability/logger.js';
import type { Database } from './database.js';

export interface TableVacuum {
  /**
   * Called after each batch: runs `before`, then a VACUUM, when `everyMs` has passed since the last time — else once
   * that time has passed (one timer however many batches came meanwhile). Never throws.
   */
  afterBatch(): void;
}

export interface VacuumPlan {
  readonly truncate?: boolean;
  readonly indexCleanup?: boolean;
}

/** The tables workers vacuum themselves (each names one or several; a VACUUM statement takes them all). */
export type VacuumedTable =
  | 'fns_leases'
  | 'document_acks'
  | 'fiscal_drives'
  | 'shifts'
  | 'report_rollup_hourly'
  | 'report_rollup_daily'
  | 'report_item_daily_ids'
  | 'registers'
  | 'fd_gaps';

export interface TableVacuumOptions {
  readonly table: VacuumedTable | readonly VacuumedTable[];
  /** Who vacuums, for the log: "the fns worker". */
  readonly by: string;
  readonly everyMs: number;
  /** Runs first each time (a delete of what nothing else will delete). */
  readonly before?: () => Promise<unknown>;
  /** Give empty pages at the end back (default false: writers arrive all the time and would hold the lock off). */
  readonly truncate?: boolean;
  /**
   * Decides, once before each VACUUM, what it does beyond the defaults (drained-table.ts: once the table has drained):
   * `truncate` overrides the option above; `indexCleanup` makes it clean the indexes up however few rows died (else
   * PostgreSQL skips that when they are on under 2 % of the pages — leaving their line pointers, so those pages are
   * never empty and the file is not truncated past them). If it fails, the VACUUM runs with the defaults.
   */
  readonly plan?: () => Promise<VacuumPlan>;
  /** Runs after each VACUUM (by the table's owner only). */
  readonly after?: () => Promise<unknown>;
  /** VACUUM only while the server's autovacuum is off (default false: always). */
  readonly whileAutovacuumIsOff?: boolean;
}

export function createTableVacuum(db: Kysely<Database>, logger: Logger, options: TableVacuumOptions): TableVacuum {
  const { by, everyMs, before } = options;
  const tables: readonly VacuumedTable[] = typeof options.table === 'string' ? [options.table] : options.table;
  const table = tables.join(', ');
  let last = Date.now();
  let running: Promise<void> | undefined;
  // The tables this role owns (VACUUM by another role only warns, in the server's log), found once.
  let owned: readonly VacuumedTable[] | undefined;
  let warned = false;
  const vacuum = async () => {
    if (options.whileAutovacuumIsOff === true && !(await autovacuumIsOff(db))) return;
    await before?.();
    owned ??= await ownedOf(db, tables);
    if (owned.length === 0) return;
    const plan: VacuumPlan = await (options.plan?.() ?? Promise.resolve({})).catch((e: unknown) => {
      logger.warn({ err: (e as Error).message }, `${table}: could not tell whether it has drained; a plain VACUUM`);
      return {};
    });
    const indexCleanup = plan.indexCleanup === true ? sql`on` : sql`auto`;
    const truncate = (plan.truncate ?? options.truncate === true) ? sql`true` : sql`false`;
    await sql`vacuum (skip_locked, truncate ${truncate}, index_cleanup ${indexCleanup}) ${sql.join(owned.map((t) => sql.table(t)))}`.execute(db);
    await options.after?.();
  };
  let trailing: NodeJS.Timeout | undefined;
  const start = () => {
    last = Date.now();
    running = vacuum()
      .catch((e: unknown) => {
        logger.warn({ err: (e as Error).message }, `vacuum of ${table} failed; autovacuum must keep the table small`);
      })
      .finally(() => {
        running = undefined;
        const others = owned === undefined ? [] : tables.filter((t) => !owned!.includes(t));
        if (others.length > 0 && !warned) {
          warned = true;
          logger.warn(`${others.join(', ')}: not owned by this database role, so ${by} does not vacuum ${others.length === 1 ? 'it' : 'them'}; autovacuum must keep ${others.length === 1 ? 'it' : 'them'} small`);
        }
      });
  };
  // The last batch of a burst still gets its VACUUM, `everyMs` after the one before (unref: never holds the process).
  const fire = () => {
    trailing = undefined;
    if (running === undefined) start();
    else trailing = setTimeout(fire, Math.max(everyMs, 50)).unref(); // never a 0 ms loop while a VACUUM runs
  };
  return {
    afterBatch() {
      if (running === undefined && Date.now() - last >= everyMs) start();
      else trailing ??= setTimeout(fire, Math.max(0, last + everyMs - Date.now())).unref();
    },
  };
}

async function ownedOf(db: Kysely<Database>, tables: readonly VacuumedTable[]): Promise<VacuumedTable[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c
     where c.oid = any(${[...tables]}::regclass[]) and pg_has_role(current_user, c.relowner, 'MEMBER')`.execute(db);
  const names = new Set(rows.map((r) => r.name));
  return tables.filter((t) => names.has(t));
}

async function autovacuumIsOff(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ off: boolean }>`select current_setting('autovacuum') = 'off' as off`.execute(db);
  return rows[0]?.off === true;
}
