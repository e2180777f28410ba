/** What every role starter of `start` (src/main.ts) shares: the config, the logger, the metrics, and the lists it fills. */
import type { ReadinessCheck } from '../api/app.js';
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

export interface Closer {
  name: string;
  close: () => Promise<unknown>;
}

export interface StartContext {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** Closed in this order at shutdown. */
  closers: Closer[];
  readiness: ReadinessCheck[];
}

/** Closes every component in order; one failing is logged and the next still closes. Idempotent. */
export function orderedShutdown(closers: readonly Closer[], logger: Logger): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      for (const c of closers) {
        try {
          await c.close();
        } catch (e) {
          logger.error({ err: e, component: c.name }, 'error during shutdown');
        }
      }
    })();
    return closing;
  };
}
