/**
 * The durable micro-batching producer of the `documents` queue: the gateway's only way to make a document durable before
 * it acks (architecture decision 1).
 *
 * Many connections call enqueue() concurrently. Calls within a short window (maxDelayMs) or up to maxBatch are written as
 * ONE BullMQ job whose data is the whole batch (DocumentBatchJob; stock Queue.add) — one Redis script call, and under
 * `appendfsync always` one AOF write + fsync for the whole batch — and each caller's promise settles only when that add
 * has. The batching costs at most maxDelayMs of latency and buys an order of magnitude of throughput.
 *
 * Idempotency is NOT decided here: every copy, re-sends included, goes into its batch and on to PostgreSQL, which keeps
 * one document per (fn, fd) (decision 2) and records a later copy whose bytes differ as evidence. (A job id per document
 * used to dedupe re-sends in Redis; it acknowledged a document on the strength of a Redis entry alone — issue 12.)
 *
 * Failure: the producer's Redis client fails fast (redis-connection.ts). While Redis is unreachable, enqueue rejects at
 * once with QueueUnavailableError; a write that neither succeeds nor fails within enqueueTimeoutMs is rejected too (it may
 * still land later: harmless, the FN re-sends and PostgreSQL keeps one copy). ioredis keeps reconnecting in the
 * background, so the producer recovers by itself when Redis returns.
 */
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { QueueError, QueueErrorCodes, QueueUnavailableError, isQueueError } from './errors.js';
import { assertFiscalDocumentNumber, assertFiscalDriveNumber } from './job-ids.js';
import { JOB_OPTIONS } from './job-options.js';
import { JobNames, type DocumentBatchJob, type DocumentJob } from './jobs.js';
import { QueueNames } from './queue-names.js';
import { closeRedis, createProducerRedis, type RedisClient } from './redis-connection.js';
import { persistenceWarning, readRedisPersistence } from './redis-persistence.js';
import { waitForReplicas, type ReplicaWait } from './replica-wait.js';

/** Documents per batch job at most: ≈ 1 MB of job data with 1 KB containers. */
export const MAX_BATCH = 1000;
export const DEFAULT_MAX_BATCH = 100;
export const DEFAULT_MAX_DELAY_MS = 2;
/** Well under the registers' ≈ 3 s give-up (spec §8), leaving time to build and write the ack. */
export const DEFAULT_ENQUEUE_TIMEOUT_MS = 1000;
export const DEFAULT_MAX_IN_FLIGHT_BATCHES = 8;
export const DEFAULT_MAX_PENDING = 10_000;
/** Replication on a LAN takes well under a millisecond; leave most of the enqueue deadline to the write itself. */
export const DEFAULT_REPLICA_WAIT_TIMEOUT_MS = 250;

export interface DocumentProducerOptions {
  /**
   * A Redis URL (the producer creates a fail-fast client and closes it on close()), or an ioredis client the caller owns
   * and closes — make it with createProducerRedis(), or enqueue will wait out outages instead of failing fast.
   */
  readonly connection: string | RedisClient;
  /** BullMQ key prefix (config.queuePrefix). */
  readonly prefix: string;
  /**
   * Flush as soon as this many documents are pending. ≤ 1000. Default 100: small enough that several batches are in
   * flight at once, so building one batch overlaps with Redis running the previous one (bench/queue-producer.bench.ts:
   * 100 × 8 in flight ≈ 1.7× the throughput of 500 × 4 with 500 concurrent senders).
   */
  readonly maxBatch?: number;
  /** Longest wait before a pending job is flushed; 0 flushes on the next turn of the event loop. Default 2 ms. */
  readonly maxDelayMs?: number;
  /** Reject an enqueue whose batch has not been written after this long. Default 1000 ms. */
  readonly enqueueTimeoutMs?: number;
  /** Batch jobs being written at once; while all are busy, new documents gather into the next, bigger batch. Default 8. */
  readonly maxInFlightBatches?: number;
  /**
   * Enqueue calls allowed to wait at once (≈ connections with a document in hand); beyond that enqueue rejects with
   * QUEUE_OVERLOADED. Default 10 000.
   */
  readonly maxPending?: number;
  /**
   * Replicas that must have a batch before its documents are acknowledged (`WAIT`, replica-wait.ts): 1 with a Redis
   * Cluster or a replicated Redis whose failover is automatic, so a promoted replica has every acknowledged document.
   * Default 0: a single Redis, whose AOF is the durability.
   */
  readonly replicaWait?: Partial<ReplicaWait>;
  /** Overrides of the `documents` queue's default job options (tests). */
  readonly jobOptions?: Partial<(typeof JOB_OPTIONS)['documents']>;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
}

export interface EnqueueResult {
  /** The id BullMQ gave the batch job that carries this document. */
  readonly jobId: string;
  /** Documents in that batch job. */
  readonly batchSize: number;
}

export interface DocumentProducer {
  /** Resolves once the document's batch job is in Redis (durable as far as Redis persists); rejects with a QueueError otherwise. */
  enqueue(job: DocumentJob): Promise<EnqueueResult>;
  /** True while Redis is connected and the producer is open: for /health/ready. */
  isReady(): boolean;
  /** Resolves once connected; rejects with QUEUE_UNAVAILABLE after timeoutMs (default 5000). */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  /** Stops accepting, writes what is pending, waits for writes in flight, closes. Idempotent. */
  close(): Promise<void>;
}

interface Waiter {
  readonly resolve: (result: EnqueueResult) => void;
  readonly reject: (error: Error) => void;
  readonly startedAt: number;
}

interface PendingDocument {
  readonly data: DocumentJob;
  readonly waiter: Waiter;
}

type DocumentQueue = Queue<DocumentBatchJob, unknown, typeof JobNames.documents>;

/** Failures are logged at most this often while Redis is down; the metrics count every one. */
const FAILURE_LOG_INTERVAL_MS = 5000;

export function createDocumentProducer(options: DocumentProducerOptions): DocumentProducer {
  return new MicroBatchingDocumentProducer(options);
}

class MicroBatchingDocumentProducer implements DocumentProducer {
  private readonly redis: RedisClient;
  private readonly ownsRedis: boolean;
  private readonly replicaWait: ReplicaWait;
  /** A key of the queue: its slot is where the batch jobs are written (one slot with a hash-tagged prefix). */
  private readonly queueKey: string;
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  private readonly enqueueTimeoutMs: number;
  private readonly maxInFlight: number;
  private readonly maxPending: number;
  private readonly metrics: Metrics | undefined;
  private readonly log: Logger;

  private queue: DocumentQueue;
  private queueInitFailed = false;
  /** Arrival order: batches go out in it. Every copy of a document is kept (PostgreSQL decides). */
  private pending: PendingDocument[] = [];
  /** Documents accepted whose batch is not written yet (pending or in flight). */
  private waiting = 0;
  private cancelTimer: (() => void) | undefined;
  /**
   * The pending documents' window has elapsed, but the in-flight cap held them back: they go as soon as a write
   * completes. Otherwise a completing write does NOT flush — that would send whatever arrived during one Redis round
   * trip (≈ 1–2 documents at 2 500/s) and undo the batching: Redis's CPU per document and BullMQ's per job are mostly
   * per batch job.
   */
  private due = false;
  private readonly inFlight = new Set<Promise<void>>();
  private accepting = true;
  private closing: Promise<void> | undefined;
  private lastFailureLogAt = 0;
  private suppressedFailures = 0;
  private lastConnectionErrorLogAt = 0;

  constructor(private readonly options: DocumentProducerOptions) {
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1 || this.maxBatch > MAX_BATCH) {
      throw new RangeError(`maxBatch must be an integer 1–${MAX_BATCH}, got ${this.maxBatch}`);
    }
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.enqueueTimeoutMs = options.enqueueTimeoutMs ?? DEFAULT_ENQUEUE_TIMEOUT_MS;
    this.maxInFlight = options.maxInFlightBatches ?? DEFAULT_MAX_IN_FLIGHT_BATCHES;
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.replicaWait = {
      replicas: options.replicaWait?.replicas ?? 0,
      timeoutMs: options.replicaWait?.timeoutMs ?? DEFAULT_REPLICA_WAIT_TIMEOUT_MS,
    };
    this.queueKey = `${options.prefix}:${QueueNames.documents}:id`;
    for (const [name, value, min] of [
      ['maxDelayMs', this.maxDelayMs, 0],
      ['enqueueTimeoutMs', this.enqueueTimeoutMs, 1],
      ['maxInFlightBatches', this.maxInFlight, 1],
      ['maxPending', this.maxPending, 1],
      ['replicaWait.replicas', this.replicaWait.replicas, 0],
      ['replicaWait.timeoutMs', this.replicaWait.timeoutMs, 1],
    ] as const) {
      if (!Number.isFinite(value) || value < min) throw new RangeError(`${name} must be a number ≥ ${min}, got ${value}`);
    }
    this.metrics = options.metrics;
    this.log = (options.logger ?? silentLogger()).child({ component: 'document-producer' });

    this.ownsRedis = typeof options.connection === 'string';
    this.redis = typeof options.connection === 'string'
      ? createProducerRedis(options.connection, { connectionName: `${options.prefix}:documents:producer` })
      : options.connection;
    this.redis.on('error', this.onRedisError);
    this.redis.on('ready', this.onRedisReady);
    this.redis.on('close', this.onRedisClose);
    this.queue = this.createQueue();
    // A caller-owned client may be connected already: its 'ready' has fired before we listened.
    if (this.redis.status === 'ready') this.onRedisReady();
    else this.metrics?.gateway.redisConnected.set(0);
  }

  enqueue(job: DocumentJob): Promise<EnqueueResult> {
    if (!this.accepting) return this.fail(new QueueError(QueueErrorCodes.QUEUE_CLOSED, 'the document producer is closed'));
    try {
      assertFiscalDriveNumber(job.fn);
      assertFiscalDocumentNumber(job.fd);
    } catch (e) {
      return this.fail(e as QueueError);
    }
    // Fail fast rather than pile up: nothing queued while disconnected could be written anyway.
    if (this.redis.status !== 'ready') {
      return this.fail(new QueueUnavailableError(`Redis is not connected (${this.redis.status})`));
    }
    if (this.waiting >= this.maxPending) {
      return this.fail(new QueueError(QueueErrorCodes.QUEUE_OVERLOADED, `${this.waiting} enqueues already wait for Redis`));
    }
    return new Promise<EnqueueResult>((resolve, reject) => {
      this.pending.push({ data: job, waiter: { resolve, reject, startedAt: performance.now() } });
      this.waiting++;
      this.metrics?.gateway.enqueuePending.inc();
      if (this.pending.length >= this.maxBatch || this.due) this.flush();
      else this.scheduleFlush();
    });
  }

  isReady(): boolean {
    return this.accepting && this.redis.status === 'ready' && !this.queueInitFailed;
  }

  async waitUntilReady(timeoutMs = 5000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    // Poll rather than listen: 'ready' may have fired already, and BullMQ's own init (a version check) runs after it.
    for (;;) {
      if (!this.accepting) throw new QueueError(QueueErrorCodes.QUEUE_CLOSED, 'the document producer is closed');
      const remaining = deadline - performance.now();
      if (this.redis.status === 'ready') {
        if (this.queueInitFailed) await this.replaceQueue();
        const ready = await withTimeout(this.queue.waitUntilReady(), Math.max(remaining, 1)).then(() => true, () => false);
        if (ready && this.isReady()) return;
      }
      if (performance.now() >= deadline) {
        throw new QueueUnavailableError(`Redis not ready after ${timeoutMs} ms (${this.redis.status})`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.accepting = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    // Everything accepted so far gets its write (or its rejection): no caller is left hanging.
    while (this.pending.length > 0) this.startBatch();
    await Promise.allSettled([...this.inFlight]);
    await this.queue.close().catch((err: unknown) => this.log.warn({ err }, 'closing the documents queue failed'));
    this.redis.off('ready', this.onRedisReady);
    this.redis.off('close', this.onRedisClose);
    if (this.ownsRedis) await closeRedis(this.redis);
    this.redis.off('error', this.onRedisError);
    this.metrics?.gateway.redisConnected.set(0);
  }

  private createQueue(): DocumentQueue {
    const queue: DocumentQueue = new Queue(QueueNames.documents, {
      connection: this.redis,
      prefix: this.options.prefix,
      defaultJobOptions: { ...JOB_OPTIONS.documents, ...this.options.jobOptions },
    });
    // Without a listener an 'error' event would throw; connection errors are already logged by onRedisError.
    queue.on('error', (err) => this.log.debug({ err }, 'documents queue error'));
    this.queueInitFailed = false;
    queue.waitUntilReady().catch((err: unknown) => {
      // BullMQ's init (version check) failed, e.g. Redis dropped in the middle of it; this Queue would reject every add.
      if (queue === this.queue) {
        this.queueInitFailed = true;
        this.log.warn({ err }, 'documents queue initialisation failed; will retry');
      }
    });
    return queue;
  }

  private scheduleFlush(): void {
    if (this.cancelTimer) return;
    if (this.maxDelayMs <= 0) {
      const immediate = setImmediate(() => this.flush());
      this.cancelTimer = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(() => this.flush(), this.maxDelayMs);
      this.cancelTimer = () => clearTimeout(timer);
    }
  }

  private flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    // At the in-flight limit the rest waits for a write to finish (group commit): the next batch is then larger.
    while (this.pending.length > 0 && this.inFlight.size < this.maxInFlight) this.startBatch();
    this.due = this.pending.length > 0;
  }

  private startBatch(): void {
    const batch = this.pending.length <= this.maxBatch ? this.pending : this.pending.slice(0, this.maxBatch);
    this.pending = this.pending.length <= this.maxBatch ? [] : this.pending.slice(this.maxBatch);
    const write = this.write(batch).finally(() => {
      this.inFlight.delete(write);
      if (this.pending.length > 0 && this.accepting && (this.due || this.pending.length >= this.maxBatch)) this.flush();
    });
    this.inFlight.add(write);
  }

  private async write(batch: readonly PendingDocument[]): Promise<void> {
    let jobId: string;
    try {
      if (this.redis.status !== 'ready') throw new QueueUnavailableError(`Redis is not connected (${this.redis.status})`);
      if (this.queueInitFailed) await this.replaceQueue();
      const data: DocumentBatchJob = { documents: batch.map((p) => p.data) };
      const job = await this.withDeadline(this.addReplicated(data));
      jobId = job.id ?? '';
    } catch (e) {
      const error = isQueueError(e)
        ? e
        : new QueueUnavailableError(`writing a batch of ${batch.length} documents to Redis failed: ${(e as Error).message}`, { cause: e });
      this.settle(batch, (w) => w.reject(error));
      this.metrics?.gateway.enqueueFailures.inc({ code: error.code }, batch.length);
      this.logFailure(error, batch.length);
      return;
    }
    this.metrics?.gateway.enqueueBatchSize.observe(batch.length);
    const now = performance.now();
    const result: EnqueueResult = { jobId, batchSize: batch.length };
    for (const p of batch) this.metrics?.gateway.enqueueLatency.observe((now - p.waiter.startedAt) / 1000);
    this.settle(batch, (w) => w.resolve(result));
  }

  /** The add, then (when asked) WAIT until replicas have it: only then may its documents be acknowledged. */
  private async addReplicated(data: DocumentBatchJob): Promise<{ id?: string | undefined }> {
    const job = await this.queue.add(JobNames.documents, data);
    await waitForReplicas(this.redis, this.queueKey, this.replicaWait);
    return job;
  }

  private settle(batch: readonly PendingDocument[], settleOne: (w: Waiter) => void): void {
    this.waiting -= batch.length;
    this.metrics?.gateway.enqueuePending.dec(batch.length);
    for (const p of batch) settleOne(p.waiter);
  }

  private async replaceQueue(): Promise<void> {
    const old = this.queue;
    this.queue = this.createQueue();
    await old.close().catch(() => undefined);
  }

  private withDeadline<T>(promise: Promise<T>): Promise<T> {
    return withTimeout(promise, this.enqueueTimeoutMs, () =>
      new QueueUnavailableError(`Redis did not confirm the write within ${this.enqueueTimeoutMs} ms`));
  }

  private fail(error: QueueError): Promise<never> {
    this.metrics?.gateway.enqueueFailures.inc({ code: error.code });
    return Promise.reject(error);
  }

  private logFailure(error: QueueError, batchSize: number): void {
    const now = Date.now();
    if (now - this.lastFailureLogAt < FAILURE_LOG_INTERVAL_MS) {
      this.suppressedFailures++;
      return;
    }
    this.log.warn({ err: error, batchSize, suppressedSinceLast: this.suppressedFailures }, 'document batch not written');
    this.lastFailureLogAt = now;
    this.suppressedFailures = 0;
  }

  private readonly onRedisError = (err: Error): void => {
    const now = Date.now();
    if (now - this.lastConnectionErrorLogAt >= FAILURE_LOG_INTERVAL_MS) {
      this.lastConnectionErrorLogAt = now;
      this.log.warn({ err }, 'Redis connection error');
    }
  };

  private readonly onRedisReady = (): void => {
    this.metrics?.gateway.redisConnected.set(1);
    this.log.info('Redis connected');
    readRedisPersistence(this.redis).then(
      (p) => {
        const warning = persistenceWarning(p);
        if (warning) this.log.warn({ redis: p }, warning);
        else this.log.info({ redis: p }, 'Redis persistence');
      },
      (err: unknown) => this.log.debug({ err }, 'could not read Redis persistence settings'),
    );
  };

  private readonly onRedisClose = (): void => {
    this.metrics?.gateway.redisConnected.set(0);
  };
}

/** The loser of the race keeps running; its outcome is handled by Promise.race, so it cannot go unhandled. */
function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error = () => new Error(`timed out after ${ms} ms`)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
