/**
 * BullMQ wiring of the fns processor (issues 5 and 12): a Worker on `fns`. The persist worker adds one job per persist
 * job (`send-batch-to-fns`, src/queue/fns-jobs.ts); a one-document job (`send-to-fns`, id fn-<FN>-fd-<FD>) is what
 * `ofd dlq replay` adds. The documents of the jobs running at once are gathered by an in-process micro-batcher into one
 * FNS request per `batchSize` documents or `maxDelayMs`, and each document settles from its own outcome:
 *
 *   answered (now, or stored before)  → done (a one-document job completes with { status, sent })
 *   retryable failure                 → a batch job's such documents go back as a smaller batch job, delayed by the
 *                                       backoff of their own attempt count; a one-document job fails and BullMQ retries it
 *   out of attempts / terminal        → fns_status 'dead' + dead_letters (alone, as a one-document job to replay)
 *   429 with Retry-After              → the queue is rate-limited that long; the documents wait that long, no attempt used
 *   another worker holds the lease    → the documents wait until the lease ends, no attempt used
 *   the batch failed (PostgreSQL)     → the job fails and BullMQ retries it whole; on its last attempt its documents are
 *                                       parked too, best effort
 *   its worker died holding it, twice → BullMQ fails it unrun (stalled too often); its documents are parked, one each
 *
 * Metrics stay per document: ofd_worker_jobs_total{queue="fns"} counts documents completed, failed (to be retried) and
 * dead, whatever job carried them. The `limiter` option is what makes the manual rate limit work (BullMQ honours a limit
 * only on a limited queue); its max is far beyond any real throughput, so it never limits by itself.
 */
import { Queue, Worker } from 'bullmq';
import type { Kysely } from 'kysely';
import { FnsError, FnsErrorCodes } from '../../adapters/fns/errors.js';
import { FNS_MAX_DOCUMENTS } from '../../adapters/fns/fns-api.js';
import type { FnsClient } from '../../adapters/fns/fns-client.js';
import { createHttpFnsClient, type HttpFnsClientOptions } from '../../adapters/fns/http-fns-client.js';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { DEFAULT_DOCUMENT_RETRY } from '../../queue/fns-jobs.js';
import type { DocumentRetryPolicy } from '../../queue/item-retry.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import { createMicroBatcher, type MicroBatcher } from '../../queue/micro-batcher.js';
import { QueueNames } from '../../queue/queue-names.js';
import { closeRedis, createWorkerRedis } from '../../queue/redis-connection.js';
import { FetchGate, pauseControls, type PauseControls } from '../shared/fetch-gate.js';
import { createFnsJobHandler, parkStalledJob } from './fns-jobs.js';
import { createFnsProcessor, type FnsJobOutcome, type FnsJobRef, type FnsProcessor } from './fns.processor.js';
import { lockOptions } from '../shared/job-ref.js';

export const DEFAULT_FNS_BATCH_SIZE = 50;
export const DEFAULT_FNS_MAX_DELAY_MS = 20;
export const DEFAULT_FNS_CONCURRENCY = 100;
/**
 * FNS requests at once per worker. Batch jobs bring many documents each, so BullMQ's concurrency no longer bounds the
 * requests (100 jobs of 100 documents would be 200 requests of 50); this does, as one-document jobs did (≈ 2 then).
 */
export const DEFAULT_FNS_REQUESTS_IN_FLIGHT = 4;

export interface FnsWorkerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** FNS_URL; the worker builds the HTTP client (and closes it). Required unless `client` is given. */
  readonly fnsUrl?: string;
  /** Options of the HTTP client built from fnsUrl (timeouts, retries, circuit breaker). */
  readonly clientOptions?: Omit<HttpFnsClientOptions, 'url' | 'metrics' | 'logger'>;
  /** A client the caller owns (tests, another transport); takes precedence over fnsUrl and is not closed. */
  readonly client?: FnsClient;
  /** Documents per FNS request at most (≤ 100). Default 50. */
  readonly batchSize?: number;
  /** Longest wait for a batch to fill. Default 20 ms. */
  readonly maxDelayMs?: number;
  /** BullMQ concurrency: jobs in flight at once (≥ batchSize, so batches of one-document jobs can fill). Default 100. */
  readonly concurrency?: number;
  /** FNS requests at once. Default 4. */
  readonly requestsInFlight?: number;
  /** Send lease per document; longer than the client's longest send(). Default 120 s. */
  readonly leaseMs?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /** Attempts and backoff per document of a batch job. Default JOB_OPTIONS.fns (16 attempts, 5 s doubling). */
  readonly documentRetry?: Partial<DocumentRetryPolicy>;
}

/** pause/resume (PauseControls): stops fetching jobs — the ones held finish, the rest wait in Redis — until resume (forwarding-yield.ts). */
export interface FnsWorker extends PauseControls {
  /** Stops fetching jobs, lets active batches finish, closes the Redis connections (and the client it built). Idempotent. */
  close(): Promise<void>;
}

interface Entry {
  readonly ref: FnsJobRef;
  readonly resolve: (outcome: FnsJobOutcome) => void;
  readonly reject: (error: Error) => void;
}

const QUEUE = QueueNames.fns;
/** The limiter's max: a manual rate limit needs one; this one never binds by itself. */
const UNBOUNDED_JOBS = 1_000_000_000;

function fnsClientOf(options: FnsWorkerOptions, log: Logger): { client: FnsClient; owned: boolean } {
  if (options.client) return { client: options.client, owned: false };
  if (!options.fnsUrl) {
    throw new FnsError(FnsErrorCodes.FNS_NOT_CONFIGURED, 'the fns worker needs FNS_URL (fnsUrl) or a client', { requestSent: false });
  }
  const client = createHttpFnsClient({ ...options.clientOptions, url: options.fnsUrl, logger: log, ...(options.metrics ? { metrics: options.metrics } : {}) });
  return { client, owned: true };
}

/** One FNS request for the documents of `entries`; settles every entry. */
async function runBatch(processBatch: FnsProcessor, log: Logger, metrics: Metrics | undefined, entries: readonly Entry[]): Promise<void> {
  const end = metrics?.worker.jobDuration.startTimer({ queue: QUEUE });
  try {
    const outcomes = await processBatch(entries.map((e) => e.ref));
    entries.forEach((entry, i) => {
      const outcome = outcomes[i];
      if (outcome) entry.resolve(outcome);
      else entry.reject(new Error('no outcome for the job'));
    });
  } catch (e) {
    // PostgreSQL (or the processor itself) failed: nothing is known about these documents; their jobs are retried.
    log.warn({ documents: entries.length, err: (e as Error).message }, 'fns batch failed');
    for (const entry of entries) entry.reject(e as Error);
  } finally {
    end?.();
  }
}

/**
 * The micro-batcher: the documents of every job running now, up to batchSize per FNS request, at most requestsInFlight
 * requests at once whatever the number of jobs running; a freed request slot takes what waited for it at once.
 */
function createRequestBatcher(options: FnsWorkerOptions, processBatch: FnsProcessor, log: Logger, batchSize: number): MicroBatcher<Entry> {
  return createMicroBatcher<Entry>({
    maxBatch: batchSize,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_FNS_MAX_DELAY_MS,
    maxInFlight: options.requestsInFlight ?? DEFAULT_FNS_REQUESTS_IN_FLIGHT,
    startOnFreeSlot: true,
    run: (entries) => runBatch(processBatch, log, options.metrics, entries),
    fail: (entries, e) => {
      for (const entry of entries) entry.reject(e as Error);
    },
  });
}

export function startFnsWorker(options: FnsWorkerOptions): FnsWorker {
  const { db, metrics } = options;
  const log = options.logger.child({ role: 'worker', queue: QUEUE });
  const batchSize = options.batchSize ?? DEFAULT_FNS_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > FNS_MAX_DOCUMENTS) {
    throw new RangeError(`batchSize must be 1–${FNS_MAX_DOCUMENTS}, got ${batchSize}`);
  }
  const { client, owned } = fnsClientOf(options, log);
  const leaseMs = options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs };
  const processBatch = createFnsProcessor({ db, client, logger: log, ...(metrics ? { metrics } : {}), ...leaseMs });
  const batcher = createRequestBatcher(options, processBatch, log, batchSize);

  const connection = createWorkerRedis(options.redisUrl, { connectionName: `${options.prefix}:worker:fns` });
  const queueConnection = createWorkerRedis(options.redisUrl, { connectionName: `${options.prefix}:worker:fns:control` });
  connection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  queueConnection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  const queue = new Queue(QUEUE, { connection: queueConnection, prefix: options.prefix, defaultJobOptions: JOB_OPTIONS.fns });
  queue.on('error', (e: Error) => log.warn({ err: e.message }, 'queue error'));

  const submit = (ref: FnsJobRef) => new Promise<FnsJobOutcome>((resolve, reject) => batcher.add({ ref, resolve, reject }));
  const retry: DocumentRetryPolicy = { ...DEFAULT_DOCUMENT_RETRY, ...options.documentRetry };
  const handler = createFnsJobHandler({ db, log, metrics, queue, submit, retry });
  // A job handed over while paused waits here (forwarding-yield.ts).
  const gate = new FetchGate();
  const worker = new Worker<unknown, unknown, string>(QUEUE, gate.guard(handler), {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? Math.max(DEFAULT_FNS_CONCURRENCY, batchSize),
    limiter: { max: UNBOUNDED_JOBS, duration: 1000 },
    ...lockOptions(options),
  });
  worker.on('error', (e: Error) => log.error({ err: e.message }, 'worker error'));
  worker.on('failed', (job, error) => {
    if (job) void parkStalledJob({ db, log, metrics, retry }, job, error);
  });

  let closing: Promise<void> | undefined;
  return {
    ...pauseControls(worker, gate, () => closing !== undefined),
    close: () =>
      (closing ??= (async () => {
        gate.open();
        const closingWorker = worker.close();
        const draining = batcher.drain();
        await closingWorker;
        await draining;
        await batcher.drain();
        await queue.close().catch(() => undefined);
        if (owned) await client.close();
        await Promise.all([closeRedis(connection), closeRedis(queueConnection)]);
      })()),
  };
}
