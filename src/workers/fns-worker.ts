/**
 * BullMQ wiring of the fns processor (issue 5): a Worker on `fns` whose jobs — one per document, id fn-<FN>-fd-<FD>,
 * added by the persist worker after its commit — are gathered by an in-process micro-batcher into one FNS request per
 * `batchSize` jobs or `maxDelayMs`, and each job settles from its document's outcome:
 *
 *   answered (now, or stored before)  → completed (return value { status, sent })
 *   retryable failure                 → failed; BullMQ retries with the queue's backoff (JOB_OPTIONS.fns)
 *   out of attempts / terminal        → fns_status 'dead' + dead_letters, failed for good (UnrecoverableError)
 *   429 with Retry-After              → the queue is rate-limited that long; the job returns to waiting, no attempt used
 *   another worker holds the lease    → the job is delayed until the lease ends, no attempt used
 *   the batch failed (PostgreSQL)     → failed and retried; on the last attempt also a dead letter, best effort
 *
 * The `limiter` option is what makes the manual rate limit work (BullMQ honours a limit only on a limited queue); its
 * max is far beyond any real throughput, so it never limits by itself.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { FnsError, FnsErrorCodes } from '../adapters/fns/errors.js';
import { FNS_MAX_DOCUMENTS } from '../adapters/fns/fns-api.js';
import type { FnsClient } from '../adapters/fns/fns-client.js';
import { createHttpFnsClient, type HttpFnsClientOptions } from '../adapters/fns/http-fns-client.js';
import type { JsonObject } from '../db/column-types.js';
import type { Database } from '../db/database.js';
import { recordDeadLetters } from '../db/dead-letters.repository.js';
import { jobLogger, type Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { JOB_OPTIONS } from '../queue/job-options.js';
import { QueueNames } from '../queue/queue-names.js';
import { closeRedis, createWorkerRedis } from '../queue/redis-connection.js';
import { createFnsProcessor, type FnsJobOutcome, type FnsJobRef, type FnsProcessor } from './fns-documents.processor.js';

export const DEFAULT_FNS_BATCH_SIZE = 50;
export const DEFAULT_FNS_MAX_DELAY_MS = 20;
export const DEFAULT_FNS_CONCURRENCY = 100;

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
  /** BullMQ concurrency: jobs in flight at once (≥ batchSize, so batches can fill). Default 100. */
  readonly concurrency?: number;
  /** Send lease per document; longer than the client's longest send(). Default 120 s. */
  readonly leaseMs?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
}

export interface FnsWorker {
  /** Stops fetching jobs, lets active batches finish, closes the Redis connections (and the client it built). Idempotent. */
  close(): Promise<void>;
}

type FnsJobHandle = Job<unknown, { status: string; sent: boolean }, string>;

interface Entry {
  readonly job: FnsJobHandle;
  readonly resolve: (outcome: FnsJobOutcome) => void;
  readonly reject: (error: Error) => void;
}

const QUEUE = QueueNames.fns;
/** The limiter's max: a manual rate limit needs one; this one never binds by itself. */
const UNBOUNDED_JOBS = 1_000_000_000;

function errorCode(e: Error): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : e.name;
}

function toRef(job: FnsJobHandle): FnsJobRef {
  return {
    id: job.id,
    name: job.name,
    data: job.data,
    attempt: job.attemptsMade + 1,
    maxAttempts: job.opts.attempts ?? JOB_OPTIONS.fns.attempts ?? 1,
  };
}

export function startFnsWorker(options: FnsWorkerOptions): FnsWorker {
  const { db, metrics } = options;
  const log = options.logger.child({ role: 'worker', queue: QUEUE });
  const batchSize = options.batchSize ?? DEFAULT_FNS_BATCH_SIZE;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_FNS_MAX_DELAY_MS;
  const concurrency = options.concurrency ?? Math.max(DEFAULT_FNS_CONCURRENCY, batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > FNS_MAX_DOCUMENTS) {
    throw new RangeError(`batchSize must be 1–${FNS_MAX_DOCUMENTS}, got ${batchSize}`);
  }

  let ownedClient: FnsClient | undefined;
  let client: FnsClient;
  if (options.client) client = options.client;
  else if (options.fnsUrl) {
    ownedClient = createHttpFnsClient({ ...options.clientOptions, url: options.fnsUrl, logger: log, ...(metrics ? { metrics } : {}) });
    client = ownedClient;
  } else {
    throw new FnsError(FnsErrorCodes.FNS_NOT_CONFIGURED, 'the fns worker needs FNS_URL (fnsUrl) or a client', { requestSent: false });
  }

  const processBatch: FnsProcessor = createFnsProcessor({
    db,
    client,
    logger: log,
    ...(metrics ? { metrics } : {}),
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
  });

  const connection = createWorkerRedis(options.redisUrl, { connectionName: `${options.prefix}:worker:fns` });
  const queueConnection = createWorkerRedis(options.redisUrl, { connectionName: `${options.prefix}:worker:fns:control` });
  connection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  queueConnection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  // Only for queue-wide control (the rate limit of a 429); jobs are added by the persist worker and `ofd dlq replay`.
  const queue = new Queue(QUEUE, { connection: queueConnection, prefix: options.prefix });
  queue.on('error', (e: Error) => log.warn({ err: e.message }, 'queue error'));

  // ---- micro-batcher ----
  let pending: Entry[] = [];
  let timer: NodeJS.Timeout | undefined;
  const running = new Set<Promise<void>>();

  async function runBatch(entries: readonly Entry[]): Promise<void> {
    const end = metrics?.worker.jobDuration.startTimer({ queue: QUEUE });
    try {
      const outcomes = await processBatch(entries.map((e) => toRef(e.job)));
      entries.forEach((entry, i) => {
        const outcome = outcomes[i];
        if (outcome) entry.resolve(outcome);
        else entry.reject(new Error('no outcome for the job'));
      });
    } catch (e) {
      // PostgreSQL (or the processor itself) failed: nothing is known about these jobs; let BullMQ retry them.
      log.warn({ jobs: entries.length, err: (e as Error).message }, 'fns batch failed');
      for (const entry of entries) entry.reject(e as Error);
    } finally {
      end?.();
    }
  }

  function flush(): void {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const p = runBatch(batch).finally(() => running.delete(p));
    running.add(p);
  }

  function submit(job: FnsJobHandle): Promise<FnsJobOutcome> {
    return new Promise<FnsJobOutcome>((resolve, reject) => {
      pending.push({ job, resolve, reject });
      if (pending.length >= batchSize) flush();
      else timer ??= setTimeout(flush, maxDelayMs);
    });
  }

  async function processJob(job: FnsJobHandle, token: string | undefined): Promise<{ status: string; sent: boolean }> {
    const jlog = jobLogger(log, { queue: QUEUE, jobId: job.id, attempt: job.attemptsMade + 1 });
    let outcome: FnsJobOutcome;
    try {
      outcome = await submit(job);
    } catch (e) {
      // The batch itself failed (PostgreSQL): retried like any failure; on the last attempt parked, if PostgreSQL lets us.
      const ref = toRef(job);
      if (ref.attempt >= ref.maxAttempts) {
        const error = e instanceof Error ? e : new Error(String(e));
        await recordDeadLetters(db, [
          {
            queue: QUEUE,
            jobId: job.id ?? '',
            jobName: job.name,
            payload: job.data !== null && typeof job.data === 'object' && !Array.isArray(job.data) ? (job.data as JsonObject) : {},
            errorCode: errorCode(error),
            errorMessage: error.message,
            attempts: ref.attempt,
          },
        ]).catch((err: unknown) => jlog.error({ err: (err as Error).message }, 'could not write dead letter'));
        metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' });
      } else {
        metrics?.worker.jobs.inc({ queue: QUEUE, result: 'failed' });
      }
      throw e;
    }
    switch (outcome.kind) {
      case 'answered':
        metrics?.worker.jobs.inc({ queue: QUEUE, result: 'completed' });
        return { status: outcome.status, sent: outcome.sent };
      case 'rate_limited':
        jlog.info({ retryAfterMs: outcome.retryAfterMs }, 'FNS rate limit: pausing the fns queue');
        await queue.rateLimit(Math.max(1, outcome.retryAfterMs));
        throw Worker.RateLimitError();
      case 'deferred':
        await job.moveToDelayed(Date.now() + outcome.delayMs, token);
        throw new DelayedError(outcome.error.message);
      case 'retry':
        metrics?.worker.jobs.inc({ queue: QUEUE, result: 'failed' });
        jlog.debug({ code: outcome.error.code, err: outcome.error.message }, 'fns job will be retried');
        throw outcome.error;
      case 'dead':
        metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' });
        throw new UnrecoverableError(`${outcome.error.code}: ${outcome.error.message}`);
    }
  }

  const worker = new Worker<unknown, { status: string; sent: boolean }, string>(QUEUE, processJob, {
    connection,
    prefix: options.prefix,
    concurrency,
    limiter: { max: UNBOUNDED_JOBS, duration: 1000 },
    ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
  });
  worker.on('error', (e: Error) => log.error({ err: e.message }, 'worker error'));

  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        const closingWorker = worker.close();
        flush();
        await closingWorker;
        flush();
        await Promise.all([...running]);
        await queue.close().catch(() => undefined);
        await ownedClient?.close();
        await Promise.all([closeRedis(connection), closeRedis(queueConnection)]);
      })()),
  };
}
