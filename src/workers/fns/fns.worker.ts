/**
 * BullMQ wiring of the fns processor (issues 5 and 12): a Worker on `fns`. The persist worker adds one job per persist
 * job (`send-batch-to-fns`, fns-batch-jobs.ts); a one-document job (`send-to-fns`, id fn-<FN>-fd-<FD>) is what
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
 *
 * Metrics stay per document: ofd_worker_jobs_total{queue="fns"} counts documents completed, failed (to be retried) and
 * dead, whatever job carried them. The `limiter` option is what makes the manual rate limit work (BullMQ honours a limit
 * only on a limited queue); its max is far beyond any real throughput, so it never limits by itself.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { FnsError, FnsErrorCodes } from '../../adapters/fns/errors.js';
import { FNS_MAX_DOCUMENTS } from '../../adapters/fns/fns-api.js';
import type { FnsClient } from '../../adapters/fns/fns-client.js';
import { createHttpFnsClient, type HttpFnsClientOptions } from '../../adapters/fns/http-fns-client.js';
import type { JsonObject } from '../../db/column-types.js';
import type { Database } from '../../db/database.js';
import { recordDeadLetters, type DeadLetterInput } from '../../db/dead-letters.repository.js';
import { jobLogger, type Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { documentJobId } from '../../queue/job-ids.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import { JobNames } from '../../queue/jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { closeRedis, createWorkerRedis } from '../../queue/redis-connection.js';
import {
  DEFAULT_DOCUMENT_RETRY,
  documentBackoffMs,
  documentsOfFnsBatch,
  FNS_BATCH_JOB,
  fnsBatchDocumentSchema,
  fnsBatchJobId,
  type DocumentRetryPolicy,
  type FnsBatchDocument,
  type FnsBatchJob,
} from '../../queue/fns-batch-jobs.js';
import { createFnsProcessor, type FnsJobOutcome, type FnsJobRef, type FnsProcessor } from './fns.processor.js';

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

export interface FnsWorker {
  /** Stops fetching jobs, lets active batches finish, closes the Redis connections (and the client it built). Idempotent. */
  close(): Promise<void>;
}

type FnsJobHandle = Job<unknown, unknown, string>;

interface Entry {
  readonly ref: FnsJobRef;
  readonly resolve: (outcome: FnsJobOutcome) => void;
  readonly reject: (error: Error) => void;
}

/** What a batch job returns: counts only. */
export interface FnsBatchJobReturn {
  readonly documents: number;
  readonly answered: number;
  readonly retrying: number;
  readonly waiting: number;
  readonly dead: number;
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

/**
 * One document of a batch job as the processor sees it: named and shaped like a one-document job, so its dead letter
 * is one (`ofd dlq replay` sends just it). Its attempt is its own count, not the batch job's.
 */
function batchRef(job: FnsJobHandle, doc: unknown, index: number, retry: DocumentRetryPolicy): FnsJobRef {
  const parsed = fnsBatchDocumentSchema.safeParse(doc);
  if (!parsed.success) return { id: `${job.id ?? 'unknown'}-${index}`, name: JobNames.fns, data: doc, attempt: 1, maxAttempts: retry.attempts };
  const { fn, fd, attempts = 0 } = parsed.data;
  return { id: documentJobId(fn, fd), name: JobNames.fns, data: { fn, fd }, attempt: attempts + 1, maxAttempts: retry.attempts };
}

function letterOf(ref: FnsJobRef, error: Error): DeadLetterInput {
  return {
    queue: QUEUE,
    jobId: ref.id ?? '',
    jobName: ref.name,
    payload: ref.data !== null && typeof ref.data === 'object' && !Array.isArray(ref.data) ? (ref.data as JsonObject) : {},
    errorCode: errorCode(error),
    errorMessage: error.message,
    attempts: ref.attempt,
  };
}

export function startFnsWorker(options: FnsWorkerOptions): FnsWorker {
  const { db, metrics } = options;
  const log = options.logger.child({ role: 'worker', queue: QUEUE });
  const batchSize = options.batchSize ?? DEFAULT_FNS_BATCH_SIZE;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_FNS_MAX_DELAY_MS;
  const concurrency = options.concurrency ?? Math.max(DEFAULT_FNS_CONCURRENCY, batchSize);
  const requestsInFlight = options.requestsInFlight ?? DEFAULT_FNS_REQUESTS_IN_FLIGHT;
  const retry: DocumentRetryPolicy = { ...DEFAULT_DOCUMENT_RETRY, ...options.documentRetry };
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
  // Queue-wide control (the rate limit of a 429) and the smaller batches of documents to try again.
  const queue = new Queue(QUEUE, { connection: queueConnection, prefix: options.prefix, defaultJobOptions: JOB_OPTIONS.fns });
  queue.on('error', (e: Error) => log.warn({ err: e.message }, 'queue error'));

  // ---- micro-batcher: the documents of every job running now, up to batchSize per FNS request ----
  let pending: Entry[] = [];
  let timer: NodeJS.Timeout | undefined;
  const running = new Set<Promise<void>>();

  async function runBatch(entries: readonly Entry[]): Promise<void> {
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

  /** Starts FNS requests while a slot is free: at most requestsInFlight at once, whatever the number of jobs running. */
  function flush(): void {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    while (pending.length > 0 && running.size < requestsInFlight) {
      const batch = pending.slice(0, batchSize);
      pending = pending.slice(batchSize);
      const p = runBatch(batch).finally(() => {
        running.delete(p);
        // Whatever waited for this slot has waited long enough.
        flush();
      });
      running.add(p);
    }
  }

  /** Sends everything submitted, then resolves (shutdown). */
  async function drain(): Promise<void> {
    flush();
    while (running.size > 0) {
      await Promise.race(running);
      flush();
    }
  }

  function submit(ref: FnsJobRef): Promise<FnsJobOutcome> {
    return new Promise<FnsJobOutcome>((resolve, reject) => {
      pending.push({ ref, resolve, reject });
      if (pending.length >= batchSize) flush();
      else timer ??= setTimeout(flush, maxDelayMs);
    });
  }

  /** The batch failed (PostgreSQL): the job is retried whole; on its last attempt its documents are parked, if PostgreSQL lets us. */
  async function batchFailed(job: FnsJobHandle, refs: readonly FnsJobRef[], e: unknown): Promise<never> {
    const error = e instanceof Error ? e : new Error(String(e));
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (final) {
      await recordDeadLetters(db, refs.map((ref) => letterOf(ref, error))).catch((err: unknown) =>
        log.error({ jobId: job.id, err: (err as Error).message }, 'could not write dead letters'),
      );
    }
    metrics?.worker.jobs.inc({ queue: QUEUE, result: final ? 'dead' : 'failed' }, refs.length);
    throw error;
  }

  async function processOne(job: FnsJobHandle, token: string | undefined): Promise<{ status: string; sent: boolean }> {
    const jlog = jobLogger(log, { queue: QUEUE, jobId: job.id, attempt: job.attemptsMade + 1 });
    const ref = toRef(job);
    let outcome: FnsJobOutcome;
    try {
      outcome = await submit(ref);
    } catch (e) {
      return batchFailed(job, [ref], e);
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

  /**
   * A batch job: every document settles on its own. Those to try again go back as smaller batch jobs — one per attempt
   * count (their backoff), one for documents waiting on a lease or a rate limit (no attempt used) — added before this job
   * completes, under ids derived from this job (a re-run adds nothing twice).
   */
  async function processMany(job: FnsJobHandle): Promise<FnsBatchJobReturn> {
    const refs = documentsOfFnsBatch(job.data).map((doc, i) => batchRef(job, doc, i, retry));
    const settled = await Promise.allSettled(refs.map(submit));
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) return batchFailed(job, refs, failure.reason);

    const again = new Map<number, FnsBatchDocument[]>();
    const waiting: FnsBatchDocument[] = [];
    let waitMs = 0;
    let rateLimitMs = 0;
    let answered = 0;
    let dead = 0;
    settled.forEach((r, i) => {
      const outcome = (r as PromiseFulfilledResult<FnsJobOutcome>).value;
      const ref = refs[i]!;
      const { fn, fd } = ref.data as { fn: string; fd: number };
      switch (outcome.kind) {
        case 'answered':
          answered += 1;
          return;
        case 'dead':
          dead += 1;
          return;
        case 'retry': {
          const group = again.get(ref.attempt) ?? [];
          group.push({ fn, fd, attempts: ref.attempt });
          again.set(ref.attempt, group);
          return;
        }
        case 'deferred':
        case 'rate_limited':
          // No attempt used: it goes back with the count it came with.
          waiting.push({ fn, fd, ...(ref.attempt > 1 ? { attempts: ref.attempt - 1 } : {}) });
          waitMs = Math.max(waitMs, outcome.kind === 'deferred' ? outcome.delayMs : outcome.retryAfterMs);
          if (outcome.kind === 'rate_limited') rateLimitMs = Math.max(rateLimitMs, outcome.retryAfterMs);
      }
    });
    if (rateLimitMs > 0) {
      log.info({ retryAfterMs: rateLimitMs }, 'FNS rate limit: pausing the fns queue');
      await queue.rateLimit(rateLimitMs);
    }
    const origin = job.id ?? 'unknown';
    const adds = [...again].map(([attempts, documents]) => ({ documents, delay: documentBackoffMs(retry, attempts) }));
    if (waiting.length > 0) adds.push({ documents: waiting, delay: Math.max(1, waitMs) });
    if (adds.length > 0) {
      await queue.addBulk(
        adds.map(({ documents, delay }) => ({
          name: FNS_BATCH_JOB,
          data: { documents } satisfies FnsBatchJob,
          opts: { jobId: fnsBatchJobId(origin, documents), delay },
        })),
      );
    }
    const retrying = [...again.values()].reduce((n, g) => n + g.length, 0);
    if (answered > 0) metrics?.worker.jobs.inc({ queue: QUEUE, result: 'completed' }, answered);
    if (retrying > 0) metrics?.worker.jobs.inc({ queue: QUEUE, result: 'failed' }, retrying);
    if (dead > 0) metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' }, dead);
    return { documents: refs.length, answered, retrying, waiting: waiting.length, dead };
  }

  const processJob = (job: FnsJobHandle, token: string | undefined) => (job.name === FNS_BATCH_JOB ? processMany(job) : processOne(job, token));

  const worker = new Worker<unknown, unknown, string>(QUEUE, processJob, {
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
        const draining = drain();
        await closingWorker;
        await draining;
        await drain();
        await queue.close().catch(() => undefined);
        await ownedClient?.close();
        await Promise.all([closeRedis(connection), closeRedis(queueConnection)]);
      })()),
  };
}
