/**
 * The derive worker (issue 12): runs the derive stage (derive.processor.ts) in a loop in the worker role, next to the
 * persist worker. A full batch is followed at once by the next; otherwise it waits `idleMs` (the lag is at most about
 * that plus one transaction while it keeps up). Several processes may run one each: one derive transaction runs at a
 * time (an advisory lock), the others find it busy and wait their turn. After each run it publishes the backlog:
 * ofd_derive_lag_seconds and ofd_derive_pending_documents.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/database.js';
import { deriveBacklog, type DeriveBacklog } from '../../db/derive.repository.js';
import type { Metrics } from '../../observability/metrics.js';
import { RegistryCache } from '../persist/registry.js';
import { DEFAULT_DERIVE_BATCH, deriveOnce } from './derive.processor.js';

export const DEFAULT_DERIVE_IDLE_MS = 200;
/** After a failed transaction (PostgreSQL down, a deadlock): the documents stay queued and are derived on the next try. */
const RETRY_MS = 1000;

export interface DeriveWorkerOptions {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Documents per derive transaction. Default 5000. */
  readonly batchSize?: number;
  /** Wait after a run that did not fill its batch. Default 200 ms. */
  readonly idleMs?: number;
}

export interface DeriveWorker {
  /** Lets the running transaction finish and stops. Idempotent. */
  close(): Promise<void>;
}

/** Seconds the derived data is behind: the age of the oldest document not derived, 0 when none waits. */
export function lagSeconds(backlog: DeriveBacklog): number {
  return backlog.oldest === null ? 0 : Math.max(0, (backlog.now.getTime() - backlog.oldest.getTime()) / 1000);
}

export function startDeriveWorker(options: DeriveWorkerOptions): DeriveWorker {
  const { db, metrics } = options;
  const log = options.logger.child({ stage: 'derive' });
  const batchSize = options.batchSize ?? DEFAULT_DERIVE_BATCH;
  const idleMs = options.idleMs ?? DEFAULT_DERIVE_IDLE_MS;
  const cache = new RegistryCache();
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function publish(): Promise<void> {
    if (!metrics) return;
    const backlog = await deriveBacklog(db);
    metrics.derive.lagSeconds.set(lagSeconds(backlog));
    metrics.derive.pending.set(backlog.pending);
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      let pause = idleMs;
      try {
        const outcome = await deriveOnce(db, log, { batchSize, cache });
        metrics?.derive.derived.inc(outcome.documents);
        if (outcome.documents >= batchSize) pause = 0;
        await publish();
      } catch (e) {
        metrics?.derive.errors.inc();
        log.warn({ err: (e as Error).message }, 'derive transaction failed; its documents stay queued');
        pause = RETRY_MS;
      }
      if (pause > 0 && !stopped) await sleep(pause);
    }
  }

  const running = loop();
  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        stopped = true;
        wake?.();
        await running;
      })()),
  };
}
