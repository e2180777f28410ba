/**
 * Housekeeping (worker role): deletes notification history and outbox rows older than OFD_NOTIFICATION_RETENTION_DAYS
 * (src/db/housekeeping.repository.ts says which rows; fiscal documents are never among them), one pass at start and
 * then every `intervalMs`, in chunks of `chunkSize` rows per statement so no transaction or lock lasts long.
 *
 * Several worker processes may run passes at once: they delete the same rows, and a row already gone is skipped, so
 * that only costs a little work twice.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { PURGE_ORDER, purgeOldRows, type PurgeTarget } from '../../db/housekeeping.repository.js';
import type { Logger } from '../../observability/logger.js';

const DAY_MS = 86_400_000;
/** Old rows pile up at the rate notifications fire; an hour's worth is one small pass. */
export const DEFAULT_HOUSEKEEPING_INTERVAL_MS = 3_600_000;
/** Rows per DELETE: a few ms of row locks, small enough not to hold back the notify worker's claims. */
export const DEFAULT_HOUSEKEEPING_CHUNK_SIZE = 5000;

export interface HousekeepingOptions {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  /** Rows older than this many days go (OFD_NOTIFICATION_RETENTION_DAYS). */
  readonly retentionDays: number;
  /** A pass runs at start and then this often. Default hourly; 0: only when run() is called (tests). */
  readonly intervalMs?: number;
  readonly chunkSize?: number;
  /** The clock (tests). Default () => new Date(). */
  readonly now?: () => Date;
}

/** Rows deleted per table in one pass. */
export type HousekeepingCounts = Record<PurgeTarget, number>;

export interface Housekeeping {
  /** Runs one pass now (joins a pass already running); resolves with the rows it deleted. */
  run(): Promise<HousekeepingCounts>;
  /** Stops the timer and lets a running pass end after its current chunk. Idempotent. */
  close(): Promise<void>;
}

export function startHousekeeping(options: HousekeepingOptions): Housekeeping {
  const { db, retentionDays } = options;
  const log = options.logger.child({ task: 'housekeeping' });
  const now = options.now ?? (() => new Date());
  const chunkSize = options.chunkSize ?? DEFAULT_HOUSEKEEPING_CHUNK_SIZE;
  let stopping = false;

  async function pass(): Promise<HousekeepingCounts> {
    const started = performance.now();
    const cutoff = new Date(now().getTime() - retentionDays * DAY_MS);
    const deleted: HousekeepingCounts = { notification_emails: 0, notification_events: 0, webhook_deliveries: 0 };
    for (const target of PURGE_ORDER) {
      let afterId = 0;
      while (!stopping) {
        const chunk = await purgeOldRows(db, target, cutoff, afterId, chunkSize);
        deleted[target] += chunk.deleted;
        if (chunk.matched < chunkSize || chunk.lastId === null) break;
        afterId = chunk.lastId;
      }
    }
    log.info({ deleted, retentionDays, cutoff, durationMs: Math.round(performance.now() - started), stopped: stopping }, 'housekeeping pass done');
    return deleted;
  }

  let running: Promise<HousekeepingCounts> | undefined;
  const run = (): Promise<HousekeepingCounts> => (running ??= pass().finally(() => (running = undefined)));
  // A failed pass (PostgreSQL away) is logged and tried again at the next interval; chunks already deleted stay deleted.
  const tick = () => void run().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'housekeeping pass failed'));

  const intervalMs = options.intervalMs ?? DEFAULT_HOUSEKEEPING_INTERVAL_MS;
  let timer: NodeJS.Timeout | undefined;
  if (intervalMs > 0) {
    timer = setInterval(tick, intervalMs);
    timer.unref();
    // Not only after the first hour: a process restarted more often than that would never clean up.
    tick();
  }

  let closing: Promise<void> | undefined;
  return {
    run,
    close: () =>
      (closing ??= (async () => {
        stopping = true;
        if (timer) clearInterval(timer);
        await running?.catch(() => undefined);
      })()),
  };
}
