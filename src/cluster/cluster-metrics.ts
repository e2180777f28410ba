/**
 * `/metrics` of a supervised `npm start` (supervisor.ts): the HTTP port is shared by every child, so a scrape lands on
 * any one of them, and it must show the whole process group, not that child's share. The child asks the primary; the
 * primary asks every child for its registry and sums them with prom-client's AggregatorRegistry.aggregate (counters and
 * histograms summed, gauges by each metric's `aggregator`); the child answers the scrape with the result.
 *
 * Why not prom-client's own clusterMetrics(): it waits for every child and fails the whole scrape when one is late. A
 * worker-only child runs niced and, during a burst, paused behind the gateway's children; its answer can take seconds,
 * which is exactly when ops most need the graphs. So a child that has not answered within CHILD_ANSWER_MS is counted
 * from its previous answer (its late answer is kept for the next scrape), and `ofd_cluster_metrics_stale_children`
 * says how many were.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import { createSupervisorMetrics } from '../observability/supervisor-metrics.js';

const SCRAPE = 'ofd:cluster-metrics';
const SCRAPE_RESULT = 'ofd:cluster-metrics-result';
const COLLECT = 'ofd:cluster-metrics-collect';
const COLLECTED = 'ofd:cluster-metrics-collected';
/** How long the primary waits for each child before it uses that child's previous answer. */
export const CHILD_ANSWER_MS = 1000;
/** How long a scrape waits for the primary. */
const SCRAPE_TIMEOUT_MS = 5000;

type ChildMetrics = MetricObjectWithValues<MetricValue<string>>[];

interface Message {
  readonly type: string;
  readonly id: number;
}
interface ScrapeResult extends Message {
  readonly text?: string;
  readonly error?: string;
}
interface Collected extends Message {
  readonly metrics: ChildMetrics;
}

const typed = <T extends Message>(type: string) => (m: unknown): m is T => (m as { type?: unknown } | null)?.type === type;
const isScrape = typed<Message>(SCRAPE);
const isScrapeResult = typed<ScrapeResult>(SCRAPE_RESULT);
const isCollect = typed<Message>(COLLECT);
const isCollected = typed<Collected>(COLLECTED);

/** In the primary: answers children's scrapes with the group's metrics. Returns the function that stops it. */
export function serveClusterMetrics(answerMs = CHILD_ANSWER_MS): () => void {
  const latest = new Map<number, ChildMetrics>();
  const { registry: own, staleChildren: stale } = createSupervisorMetrics(answerMs);
  const waiting = new Map<number, { missing: Set<number>; done(): void }>();
  let nextId = 0;

  const collect = async (): Promise<string> => {
    const id = nextId++;
    const children = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
    const missing = new Set(children.map((w) => w.id));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, answerMs);
      function finish(): void {
        clearTimeout(timer);
        waiting.delete(id);
        resolve();
      }
      waiting.set(id, { missing, done: finish });
      for (const w of children) w.send({ type: COLLECT, id } satisfies Message);
      if (missing.size === 0) finish();
    });
    stale.set(missing.size);
    const parts = children.map((w) => latest.get(w.id)).filter((m): m is ChildMetrics => m !== undefined);
    return AggregatorRegistry.aggregate([...parts, await own.getMetricsAsJSON()]).metrics();
  };

  const onMessage = (worker: Worker, message: unknown): void => {
    if (isCollected(message)) {
      latest.set(worker.id, message.metrics);
      const wait = waiting.get(message.id);
      wait?.missing.delete(worker.id);
      if (wait && wait.missing.size === 0) wait.done();
    } else if (isScrape(message)) {
      collect().then(
        (text) => worker.isConnected() && worker.send({ type: SCRAPE_RESULT, id: message.id, text } satisfies ScrapeResult),
        (e: unknown) => worker.isConnected() && worker.send({ type: SCRAPE_RESULT, id: message.id, error: (e as Error).message } satisfies ScrapeResult),
      );
    }
  };
  // A child that exited no longer counts (its counters leave the sums, which Prometheus reads as a counter reset).
  const onExit = (worker: Worker): void => void latest.delete(worker.id);
  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  return () => {
    cluster.off('message', onMessage);
    cluster.off('exit', onExit);
  };
}

/**
 * In a child: answers the primary's collection with `registry`, and returns a render function for `/metrics` that
 * yields the whole group's metrics.
 */
export function clusterMetricsRenderer(registry: Registry): () => Promise<string> {
  let nextId = 0;
  const pending = new Map<number, { resolve(text: string): void; reject(e: Error): void }>();
  process.on('message', (message: unknown) => {
    if (isCollect(message)) {
      void registry.getMetricsAsJSON().then((metrics) => process.send?.({ type: COLLECTED, id: message.id, metrics } satisfies Collected));
      return;
    }
    if (!isScrapeResult(message)) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(`cluster metrics: ${message.error}`));
    else waiter.resolve(message.text ?? '');
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('cluster metrics: the supervisor did not answer'));
      }, SCRAPE_TIMEOUT_MS);
      pending.set(id, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      process.send?.({ type: SCRAPE, id } satisfies Message);
    });
}
