/**
 * The gateway's view of unpaid registers under OFD_UNPAID_POLICY=stop (issue 17): the fiscal drive numbers of
 * registers whose paid OFD service is over, held in memory and refreshed from PostgreSQL in the background, so the
 * gateway decides per document with one Set lookup and never waits on the database. A refresh that fails keeps the
 * last known set (a register is never stopped, nor released, because PostgreSQL blinked).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { moscowDate } from '../domain/ofd-service.js';
import type { Logger } from '../observability/logger.js';

export interface UnpaidFiscalDrives {
  has(fn: string): boolean;
  refresh(): Promise<void>;
  close(): void;
}

/** FNs of registers whose last paid day is before today (Moscow); registers with no period at all are not included. */
export async function unpaidFiscalDriveNumbers(db: Kysely<Database>, now: Date): Promise<Set<string>> {
  const { rows } = await sql<{ fn: string }>`
    select f.fn from ofd_services s join fiscal_drives f on f.register_id = s.register_id
     where s.service_until < ${moscowDate(now)}::date
  `.execute(db);
  return new Set(rows.map((r) => r.fn));
}

export function createUnpaidFiscalDrives(options: { db: Kysely<Database>; logger: Logger; refreshMs?: number; now?: () => Date }): UnpaidFiscalDrives {
  let current = new Set<string>();
  const now = options.now ?? (() => new Date());
  const refresh = async () => {
    current = await unpaidFiscalDriveNumbers(options.db, now());
  };
  const tick = () => void refresh().catch((e: unknown) => options.logger.warn({ err: (e as Error).message }, 'unpaid registers: refresh failed, keeping the last set'));
  const timer = setInterval(tick, options.refreshMs ?? 60_000);
  timer.unref();
  tick();
  return { has: (fn) => current.has(fn), refresh, close: () => clearInterval(timer) };
}
