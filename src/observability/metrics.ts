/**
 * Metrics (architecture decision 10, contract §4): ONE prom-client Registry per process, built by `createMetrics()` and passed
 * to every role in its deps. Nothing here touches prom-client's global registry, so tests can build as many as they like.
 *
 * The names of the §4 metrics are a contract with dashboards and alerts: never rename them. Labels stay low-cardinality —
 * never an FN, FD, INN, job id or raw URL as a label value.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createGatewayMetrics, type GatewayMetrics } from './gateway-metrics.js';

export type { GatewayMetrics };

/** One (queue, state) count, as read from BullMQ's getJobCounts. */
export interface QueueDepthSample {
  readonly queue: string;
  readonly state: string;
  readonly count: number;
}

/** Reads queue depths at scrape time. It must bound its own time; a slow or failing source is cut off and counted. */
export type QueueDepthSource = () => Promise<readonly QueueDepthSample[]>;

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag, GC). Default true; tests usually turn them off. */
  readonly defaultMetrics?: boolean;
  /** Upper bound for reading all queue-depth sources during one scrape, so /metrics answers while Redis is down. */
  readonly queueDepthTimeoutMs?: number;
  /**
   * The roles this process runs: a role's own metrics are exposed only where it runs, so a worker does not publish a
   * flat-zero ofd_gateway_* series (and dashboards summing by instance are not padded with idle processes). The
   * objects exist either way — code of a role that is off may still hold them — they just are not in the registry.
   * Default: every role.
   */
  readonly roles?: readonly MetricsRole[];
}

export type MetricsRole = 'gateway' | 'worker' | 'api';


/** Remote HTTP calls (FNS, CRPT, SMS) and SMTP: 10 ms to their 30 s timeouts. */
const REMOTE_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const JOB_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const HTTP_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];


export interface DocumentMetrics {
  /** ofd_documents_persisted_total{form}: documents newly stored in PostgreSQL (not re-sends), by form number. */
  readonly persisted: Counter<'form'>;
  /** ofd_documents_conflicting_copies_total: copies of a stored (fn, fd) whose bytes differ (kept in document_conflicts). */
  readonly conflictingCopies: Counter;
}

export interface QueueMetrics {
  /** ofd_queue_jobs{queue,state}: BullMQ job counts, read from Redis at scrape time. */
  readonly jobs: Gauge<'queue' | 'state'>;
  /** ofd_queue_depth_errors_total: scrapes where reading the queue depths failed or timed out. */
  readonly depthErrors: Counter;
}

export interface ForwardMetrics {
  /** ofd_forward_total{target,result}: deliveries to fns/crpt/email/sms/viber/webhook, by `ok` / `retry` / `failed` / `rejected`. */
  readonly total: Counter<'target' | 'result'>;
  /** ofd_forward_latency_seconds{target}: one delivery attempt's duration. */
  readonly latency: Histogram<'target'>;
}

export interface WorkerMetrics {
  /** ofd_worker_jobs_total{queue,result}: finished job attempts, by `completed` / `failed` / `dead` (out of attempts). */
  readonly jobs: Counter<'queue' | 'result'>;
  /** ofd_worker_job_duration_seconds{queue}: one processor run. */
  readonly jobDuration: Histogram<'queue'>;
  /** ofd_worker_yielding: 1 while the persist worker is paused for the busy gateway (src/cluster/worker-yield.ts). */
  readonly yielding: Gauge;
  /** ofd_worker_yields_total: pauses for the busy gateway. */
  readonly yields: Counter;
  /** ofd_worker_forwarding_yielding: 1 while fns, crpt and notify are paused for a backlogged persist worker. */
  readonly forwardingYielding: Gauge;
  /** ofd_worker_forwarding_yields_total: such pauses. */
  readonly forwardingYields: Counter;
}

export interface HttpMetrics {
  /** ofd_http_request_duration_seconds{method,route,status_code}: route is the route template, never the raw URL. */
  readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
}

export interface Metrics {
  readonly registry: Registry;
  readonly gateway: GatewayMetrics;
  readonly documents: DocumentMetrics;
  readonly queue: QueueMetrics;
  readonly forward: ForwardMetrics;
  readonly worker: WorkerMetrics;
  readonly http: HttpMetrics;
  /** Registers a queue-depth reader for ofd_queue_jobs; returns the function that unregisters it (call it on close). */
  addQueueDepthSource(source: QueueDepthSource): () => void;
  /** The Prometheus text exposition, for GET /metrics. */
  render(): Promise<string>;
  /** The Content-Type header value for `render()`'s output. */
  readonly contentType: string;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const roles = new Set<MetricsRole>(options.roles ?? ['gateway', 'worker', 'api']);
  /** Where a role's metrics go: the process registry, or nowhere when the role is off. */
  const registersOf = (role: MetricsRole): Registry[] => (roles.has(role) ? registers : []);
  const queueDepthTimeoutMs = options.queueDepthTimeoutMs ?? 2000;
  const queueDepthSources = new Set<QueueDepthSource>();

  const gateway = createGatewayMetrics(registersOf('gateway'));

  const documents: DocumentMetrics = {
    persisted: new Counter({
      name: 'ofd_documents_persisted_total',
      help: 'Documents newly stored in PostgreSQL (re-sends excluded), by form number.',
      labelNames: ['form'] as const,
      registers: registersOf('worker'),
    }),
    conflictingCopies: new Counter({
      name: 'ofd_documents_conflicting_copies_total',
      help: 'Copies of a stored document (same FN and FD) whose bytes differ from the stored ones: evidence kept in document_conflicts.',
      registers: registersOf('worker'),
    }),
  };

  const queue = createQueueMetrics(registers, queueDepthSources, queueDepthTimeoutMs);

  const { forward, worker } = createWorkerSideMetrics(registers, registersOf('worker'));

  const http = createHttpMetrics(registers);

  // 1 per process; a supervised start's /metrics sums its children, so this says how many answered the scrape.
  new Gauge({ name: 'ofd_processes', help: 'Processes whose metrics this scrape covers (the children of a supervised npm start).', registers }).set(1);

  // Registered here, into this registry only, exactly once per registry: prom-client throws on a second registration.
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  return {
    registry,
    gateway,
    documents,
    queue,
    forward,
    worker,
    http,
    addQueueDepthSource(source) {
      queueDepthSources.add(source);
      return () => {
        queueDepthSources.delete(source);
      };
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

/** ofd_queue_jobs, read from Redis at scrape time from the sources the roles add, and its error counter. */
function createQueueMetrics(registers: Registry[], queueDepthSources: ReadonlySet<QueueDepthSource>, queueDepthTimeoutMs: number): QueueMetrics {
  // The scrape in progress: prom-client reads the metrics concurrently, in registration order, so the error counter
  // (registered after the gauge) waits for the depth read it counts instead of showing the previous scrape's value.
  let depthCollection: Promise<void> = Promise.resolve();
  const jobs: Gauge<'queue' | 'state'> = new Gauge({
    name: 'ofd_queue_jobs',
    help: 'Jobs per queue and state, read from Redis at scrape time.',
    labelNames: ['queue', 'state'] as const,
    registers,
    // Every process of a supervised start reads the same queues: summing would count each job once per process.
    aggregator: 'max',
    collect() {
      depthCollection = collectQueueDepths();
      return depthCollection;
    },
  });
  const depthErrors = new Counter({
    name: 'ofd_queue_depth_errors_total',
    help: 'Scrapes in which reading the queue depths from Redis failed or timed out.',
    registers,
    collect: () => depthCollection,
  });
  async function collectQueueDepths(): Promise<void> {
    const sources = [...queueDepthSources];
    const results = await Promise.allSettled(sources.map((read) => withTimeout(read(), queueDepthTimeoutMs)));
    // Reset first: a queue whose read failed shows no series rather than a stale count.
    jobs.reset();
    for (const result of results) {
      if (result.status === 'rejected') {
        depthErrors.inc();
        continue;
      }
      for (const sample of result.value) jobs.set({ queue: sample.queue, state: sample.state }, sample.count);
    }
  }
  return { jobs, depthErrors };
}

/** Deliveries to external systems (every process) and job runs (the worker role). */
function createWorkerSideMetrics(registers: Registry[], workerRegisters: Registry[]): { forward: ForwardMetrics; worker: WorkerMetrics } {
  const forward: ForwardMetrics = {
    total: new Counter({
      name: 'ofd_forward_total',
      help: 'Deliveries to external systems (fns, crpt, email, sms, webhook), by result.',
      labelNames: ['target', 'result'] as const,
      registers,
    }),
    latency: new Histogram({
      name: 'ofd_forward_latency_seconds',
      help: 'Duration of one delivery attempt to an external system.',
      labelNames: ['target'] as const,
      buckets: REMOTE_LATENCY_BUCKETS,
      registers,
    }),
  };

  const worker: WorkerMetrics = {
    jobs: new Counter({
      name: 'ofd_worker_jobs_total',
      help: 'Finished job attempts per queue, by result (completed, failed = will retry, dead = out of attempts).',
      labelNames: ['queue', 'result'] as const,
      registers: workerRegisters,
    }),
    jobDuration: new Histogram({
      name: 'ofd_worker_job_duration_seconds',
      help: 'Duration of one processor run per queue.',
      labelNames: ['queue'] as const,
      buckets: JOB_DURATION_BUCKETS,
      registers: workerRegisters,
    }),
    yielding: new Gauge({
      name: 'ofd_worker_yielding',
      help: '1 while the persist worker is paused because the gateway is busy (npm start; storing yields to acknowledging, the lag bounded).',
      aggregator: 'max',
      registers: workerRegisters,
    }),
    yields: new Counter({
      name: 'ofd_worker_yields_total',
      help: 'Pauses of the persist worker for a busy gateway (npm start).',
      registers: workerRegisters,
    }),
    forwardingYielding: new Gauge({
      name: 'ofd_worker_forwarding_yielding',
      help: '1 while the fns, crpt and notify workers are paused because the persist worker is backlogged (forwarding yields to storing, the lag bounded).',
      aggregator: 'max',
      registers: workerRegisters,
    }),
    forwardingYields: new Counter({
      name: 'ofd_worker_forwarding_yields_total',
      help: 'Pauses of the forwarding workers (fns, crpt, notify) for a backlogged persist worker.',
      registers: workerRegisters,
    }),
  };
  return { forward, worker };
}

/** The HTTP API's request durations. */
function createHttpMetrics(registers: Registry[]): HttpMetrics {
  return {
    requestDuration: new Histogram({
      name: 'ofd_http_request_duration_seconds',
      help: 'HTTP API request duration by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    }),
  };
}
