/** Metrics of the primary of a supervised `npm start` (src/cluster/cluster-metrics.ts), summed into every scrape. */
import { Gauge, Registry } from 'prom-client';

export interface SupervisorMetrics {
  registry: Registry;
  /** ofd_cluster_metrics_stale_children: children that did not answer this scrape in time. */
  staleChildren: Gauge;
}

export function createSupervisorMetrics(answerMs: number): SupervisorMetrics {
  const registry = new Registry();
  return {
    registry,
    staleChildren: new Gauge({
      name: 'ofd_cluster_metrics_stale_children',
      help: `Children of npm start that did not answer this scrape within ${answerMs} ms (a niced worker during a burst): counted from their previous answer, or not at all before their first.`,
      registers: [registry],
    }),
  };
}
