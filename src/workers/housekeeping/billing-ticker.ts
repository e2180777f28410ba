/**
 * The worker's billing pass (issue 17): bills the postpaid SMS of the past Moscow month, at start and then hourly.
 * Each organization's month is billed once (its ledger key), so several workers and restarts bill nothing twice.
 */
import type { Kysely } from 'kysely';
import { billPostpaidSmsForAll } from '../../billing/market.js';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../observability/logger.js';

export const DEFAULT_BILLING_INTERVAL_MS = 3_600_000;

export interface BillingTicker {
  run(): Promise<number>;
  close(): Promise<void>;
}

export function startBillingTicker(options: { db: Kysely<Database>; logger: Logger; intervalMs?: number; now?: () => Date }): BillingTicker {
  const log = options.logger.child({ task: 'billing' });
  const now = options.now ?? (() => new Date());
  let running: Promise<number> | undefined;
  const run = () =>
    (running ??= billPostpaidSmsForAll(options.db, now())
      .then((n) => {
        if (n > 0) log.info({ organizations: n }, 'postpaid SMS billed');
        return n;
      })
      .finally(() => (running = undefined)));
  const tick = () => void run().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'billing pass failed'));
  const intervalMs = options.intervalMs ?? DEFAULT_BILLING_INTERVAL_MS;
  const timer = intervalMs > 0 ? setInterval(tick, intervalMs) : undefined;
  timer?.unref();
  if (timer) tick();
  let closing: Promise<void> | undefined;
  return {
    run,
    close: () =>
      (closing ??= (async () => {
        clearInterval(timer);
        await running?.catch(() => undefined);
      })()),
  };
}
