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
 * says how many were; one silent for FORGET_AFTER_MS is left out. A child is waited for only once it has said it can
 * answer (a child still starting is not late), and not after it exited.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import { createSupervisorMetrics } from '../observability/supervisor-metrics.js';

const SCRAPE = 'ofd:cluster-metrics';
const SCRAPE_RESULT = 'ofd:cluster-metrics-result';
const COLLECT = 'ofd:cluster-metrics-collect';
const COLLECTED = 'ofd:cluster-metrics-collected';
const CHILD_READY = 'ofd:cluster-metrics-ready';
/**
 * How long the primary waits for each child before it uses that child's previous answer: longer than a child's own
 * queue-depth read from Redis (2 s at most, src/observability/metrics.ts), so a slow Redis does not make every child late.
 */
export const CHILD_ANSWER_MS = 2500;
/** A child silent for this long is left out (its counters leave the sums, `ofd_processes` drops): hung, not late. */
const FORGET_AFTER_MS = 30_000;
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
const isChildReady = typed<Message>(CHILD_READY);

/** A collection in progress: the children it still waits for, and how it ends. */
interface Collection {
  readonly missing: Set<number>;
  done(): void;
}

/** In the primary: answers children's scrapes with the group's metrics. Returns the function that stops it. */
export function serveClusterMetrics(answerMs = CHILD_ANSWER_MS): () => void {
  /** Each child's last answer and when it came; a child is asked only once it said it can answer. */
  const latest = new Map<number, { metrics: ChildMetrics; at: number }>();
  const ready = new Set<number>();
  const { registry: own, staleChildren: stale } = createSupervisorMetrics(answerMs);
  const waiting = new Map<number, Collection>();
  let nextId = 0;

  const answered = (collection: Collection | undefined, workerId: number): void => {
    collection?.missing.delete(workerId);
    if (collection && collection.missing.size === 0) collection.done();
  };

  const collect = async (): Promise<string> => {
    const id = nextId++;
    const children = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected() && ready.has(w.id));
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
    const now = Date.now();
    const parts = children.map((w) => latest.get(w.id)).filter((l) => l !== undefined && now - l.at < FORGET_AFTER_MS);
    return AggregatorRegistry.aggregate([...parts.map((l) => l!.metrics), await own.getMetricsAsJSON()]).metrics();
  };

  const onMessage = (worker: Worker, message: unknown): void => {
    if (isChildReady(message)) ready.add(worker.id);
    else if (isCollected(message)) {
      latest.set(worker.id, { metrics: message.metrics, at: Date.now() });
      answered(waiting.get(message.id), worker.id);
    } else if (isScrape(message)) {
      collect().then(
        (text) => worker.isConnected() && worker.send({ type: SCRAPE_RESULT, id: message.id, text } satisfies ScrapeResult),
        (e: unknown) => worker.isConnected() && worker.send({ type: SCRAPE_RESULT, id: message.id, error: (e as Error).message } satisfies ScrapeResult),
      );
    }
  };
  // A child that exited no longer counts (its counters leave the sums, which Prometheus reads as a counter reset), and
  // a scrape waiting for it stops waiting.
  const onExit = (worker: Worker): void => {
    latest.delete(worker.id);
    ready.delete(worker.id);
    for (const collection of waiting.values()) answered(collection, worker.id);
  };
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
  // A send on a closed channel (the primary is gone) is reported as an 'error' event, not thrown: only send when open.
  const send = (m: Message | Collected): void => void (process.connected && process.send?.(m));
  process.on('message', (message: unknown) => {
    if (isCollect(message)) {
      // A collector that throws must cost one scrape this child's share, never the child (an unhandled rejection).
      registry.getMetricsAsJSON().then(
        (metrics) => send({ type: COLLECTED, id: message.id, metrics } satisfies Collected),
        () => send({ type: COLLECTED, id: message.id, metrics: [] } satisfies Collected),
      );
      return;
    }
    if (!isScrapeResult(message)) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(`cluster metrics: ${message.error}`));
    else waiter.resolve(message.text ?? '');
  });
  // From now on this child can answer: the primary waits for it (before, it would wait for a child still starting).
  send({ type: CHILD_READY, id: 0 } satisfies Message);
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
      send({ type: SCRAPE, id } satisfies Message);
    });
}
