/**
 * `/metrics` of a supervised `npm start` (supervisor.ts): the HTTP port is shared by every child, so a scrape lands on
 * any one of them, and it must show the whole process group, not that child's share. The child asks the primary, the
 * primary gathers every child's registry with prom-client's AggregatorRegistry (counters and histograms summed, gauges
 * by each metric's `aggregator`), and the child answers with the result.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'ofd:cluster-metrics';
const RESPONSE = 'ofd:cluster-metrics-result';
const TIMEOUT_MS = 5000;

interface MetricsRequest {
  readonly type: typeof REQUEST;
  readonly id: number;
}
interface MetricsResponse {
  readonly type: typeof RESPONSE;
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}

const isRequest = (m: unknown): m is MetricsRequest => (m as { type?: unknown } | null)?.type === REQUEST;
const isResponse = (m: unknown): m is MetricsResponse => (m as { type?: unknown } | null)?.type === RESPONSE;

/** In the primary: answers children's requests for the group's metrics. Returns the function that stops it. */
export function serveClusterMetrics(): () => void {
  const aggregator = new AggregatorRegistry();
  const onMessage = (worker: { send(m: MetricsResponse): unknown; isConnected(): boolean }, message: unknown): void => {
    if (!isRequest(message)) return;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: RESPONSE, id: message.id, text }),
      (e: unknown) => worker.isConnected() && worker.send({ type: RESPONSE, id: message.id, error: (e as Error).message }),
    );
  };
  cluster.on('message', onMessage);
  return () => void cluster.off('message', onMessage);
}

/**
 * In a child: makes `registry` the one the primary reads, and returns a render function for `/metrics` that yields the
 * whole group's metrics.
 */
export function clusterMetricsRenderer(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's responder to the primary's requests in this child.
  new AggregatorRegistry();
  let nextId = 0;
  const pending = new Map<number, { resolve(text: string): void; reject(e: Error): void }>();
  process.on('message', (message: unknown) => {
    if (!isResponse(message)) return;
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
      }, TIMEOUT_MS);
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
      process.send?.({ type: REQUEST, id } satisfies MetricsRequest);
    });
}
