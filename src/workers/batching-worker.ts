/**
 * BullMQ wiring of the persist processor (issue 4). Jobs are taken from `documents` a batch at a time (job-batches.ts:
 * one Redis script call moves up to 100 jobs; BullMQ's own blocking getNextJob waits when the queue is empty) and handed
 * to an in-process micro-batcher, which runs the batch processor on `batchSize` jobs, or on fewer once the oldest has
 * waited `maxDelayMs`, with at most `maxBatchesInFlight` transactions at a time. A batch's jobs are completed in BullMQ
 * only after its COMMIT (and after their downstream jobs are added), in one script call per 100 jobs.
 *
 * - If a batch transaction fails, its jobs are processed one per transaction, so a poison job fails alone.
 * - A job that fails for good (a terminal PersistJobError, its last attempt, or BullMQ's deferred failure of a job that
 *   stalled too often) is written to `dead_letters`, then BullMQ marks it failed; other failures are retried by BullMQ
 *   after its backoff (Job.moveToFailed).
 * - After the commit, downstream jobs (`fns`, `crpt`, `notify`) are added with deterministic ids. They are added for
 *   newly stored documents, and also for already-stored ones when the job is a retry or a restarted (stalled) job:
 *   an earlier attempt may have committed and died before its addBulk; the deterministic ids make the re-add a no-op.
 * - Jobs held (taken, not yet completed) keep their BullMQ locks extended; if the process dies, BullMQ's stalled checker
 *   (run by every persist worker) puts them back in the queue, and the idempotent processor stores nothing twice.
 */
import { recordDeadLetters } from '../db/dead-letters.repository.js';
import type { JsonObject } from '../db/column-types.js';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { jobLogger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { documentJobId, notifyJobId } from '../queue/job-ids.js';
import { JOB_OPTIONS } from '../queue/job-options.js';
import { JobNames, type CrptJob, type FnsJob, type NotifyJob } from '../queue/jobs.js';
import { QueueNames } from '../queue/queue-names.js';
import { closeRedis, createWorkerRedis } from '../queue/redis-connection.js';
import { BatchAdder, JobBatches, type PlainJob, type TakenJob } from './job-batches.js';
import { createPersistProcessor, type PersistedJob, type PersistProcessor, type PersistResult } from './persist-documents.processor.js';

// 1000 rather than 500: a third fewer statements and rollup upserts per receipt (several receipts of a register share
// an hour and an item name), ≈ 10 % more receipts/s from a filled queue; a transaction still commits in ≈ 0.3 s.
export const DEFAULT_BATCH_SIZE = 1000;
export const DEFAULT_MAX_DELAY_MS = 5;
export const DEFAULT_MAX_BATCHES_IN_FLIGHT = 2;

export interface PersistWorkerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Jobs per transaction at most. Default 1000. */
  readonly batchSize?: number;
  /** Longest a job waits for its batch to fill while a transaction slot is free. Default 5 ms. */
  readonly maxDelayMs?: number;
  /** Batches (transactions) running at once; more jobs wait and go in the next, fuller batch. Default 2. */
  readonly maxBatchesInFlight?: number;
  /**
   * Jobs held at once (taken from the queue, running or waiting for a batch). Default batchSize × (maxBatchesInFlight
   * + 1), so a full batch is waiting when a running one finishes.
   */
  readonly concurrency?: number;
  /** BullMQ lock duration: a job whose worker died is retried after about this long. Default 30 s (BullMQ's). */
  readonly lockDurationMs?: number;
  /** How often BullMQ looks for stalled jobs (of dead workers). Default BullMQ's (30 s). */
  readonly stalledIntervalMs?: number;
}

export interface PersistWorker {
  /** Stops fetching jobs, lets active batches finish, closes the Redis connections. Idempotent. */
  close(): Promise<void>;
}

interface Entry {
  readonly job: TakenJob;
  /** performance.now() when handed to the batcher. */
  readonly at: number;
}

const QUEUE = QueueNames.documents;
const DEFAULT_LOCK_DURATION_MS = 30_000;
/** After a Redis error in the fetch loop or on completion: wait this long, then try again. */
const REDIS_RETRY_MS = 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function errorCode(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return e instanceof Error ? e.name : 'UNKNOWN';
}

/**
 * Whether a failed batch is worth retrying one job per transaction: yes for what one row can cause (bad data, a
 * constraint, a deadlock); no when PostgreSQL itself is unreachable or shutting down (SQLSTATE classes 08, 53, 57, or
 * no SQLSTATE at all: a socket error, a pool timeout) — every job would fail the same way, one timeout after another.
 */
export function isPerJobError(e: unknown): boolean {
  const code = e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' ? e.code : '';
  if (!/^[0-9A-Z]{5}$/.test(code)) return false;
  return !['08', '53', '57', '58'].includes(code.slice(0, 2));
}

function isFinalAttempt(job: TakenJob): boolean {
  return job.attemptsMade + 1 >= job.maxAttempts;
}

export function startPersistWorker(options: PersistWorkerOptions): PersistWorker {
  const { db, logger, metrics } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const maxBatchesInFlight = options.maxBatchesInFlight ?? DEFAULT_MAX_BATCHES_IN_FLIGHT;
  const concurrency = options.concurrency ?? batchSize * (maxBatchesInFlight + 1);
  const log = logger.child({ role: 'worker', queue: QUEUE });
  const processBatch: PersistProcessor = createPersistProcessor({ db, logger: log, ...(metrics ? { metrics } : {}) });

  const lockDurationMs = options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS;
  const connection = createWorkerRedis(options.redisUrl, { connectionName: 'ofd:worker:persist' });
  const producerConnection = createWorkerRedis(options.redisUrl, { connectionName: 'ofd:worker:persist:forward' });
  connection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  producerConnection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));

  // A Worker without a processor: BullMQ's connection handling, key names, blocking wait, stalled checker and lock
  // extension, around the batch moves of job-batches.ts.
  const worker = new Worker(QUEUE, null, {
    connection,
    prefix: options.prefix,
    lockDuration: lockDurationMs,
    ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
  });
  worker.on('error', (e: Error) => log.error({ err: e.message }, 'worker error'));
  const batches = new JobBatches(worker, connection, lockDurationMs);
  void worker.startStalledCheckTimer();

  const fnsQueue = new Queue<FnsJob>(QueueNames.fns, { connection: producerConnection, prefix: options.prefix, defaultJobOptions: JOB_OPTIONS.fns });
  const crptQueue = new Queue<CrptJob>(QueueNames.crpt, { connection: producerConnection, prefix: options.prefix, defaultJobOptions: JOB_OPTIONS.crpt });
  const notifyQueue = new Queue<NotifyJob>(QueueNames.notify, {
    connection: producerConnection,
    prefix: options.prefix,
    defaultJobOptions: JOB_OPTIONS.notify,
  });
  for (const q of [fnsQueue, crptQueue, notifyQueue]) q.on('error', (e: Error) => log.warn({ err: e.message }, 'queue error'));
  const adders = {
    fns: new BatchAdder(fnsQueue, producerConnection),
    crpt: new BatchAdder(crptQueue, producerConnection),
    notify: new BatchAdder(notifyQueue, producerConnection),
  };

  // ---- downstream ----
  async function forward(items: readonly { job: TakenJob; result: PersistedJob }[]): Promise<void> {
    const fns: PlainJob[] = [];
    const crpt: PlainJob[] = [];
    const notify: PlainJob[] = [];
    for (const { job, result } of items) {
      const retried = job.attemptsMade > 0 || job.attemptsStarted > 1;
      if (!result.inserted && !retried) continue;
      const { fn, fd, downstream } = result;
      const jobId = documentJobId(fn, fd);
      if (downstream.fns) fns.push({ name: JobNames.fns, data: { fn, fd } satisfies FnsJob, jobId });
      if (downstream.crpt) crpt.push({ name: JobNames.crpt, data: { fn, fd } satisfies CrptJob, jobId });
      if (downstream.notify) {
        const { channel, recipient } = downstream.notify;
        const data: NotifyJob = { fn, fd, channel, recipient };
        notify.push({ name: JobNames.notify, data, jobId: notifyJobId(fn, fd, channel) });
      }
    }
    await Promise.all([adders.fns.add(fns), adders.crpt.add(crpt), adders.notify.add(notify)]);
  }

  // ---- jobs held: taken from the queue, not yet completed or failed ----
  // Their locks are extended while held. When one is settled there is room to take another.
  const held = new Set<TakenJob>();
  let roomFreed: (() => void) | undefined;
  /** Set by close(): take no more jobs, stop retrying Redis calls. */
  let stopping = false;

  function release(job: TakenJob): void {
    held.delete(job);
    roomFreed?.();
    roomFreed = undefined;
  }

  const lockTimer = setInterval(() => {
    batches.extendLocks([...held]).then(
      (lost) => {
        if (lost.length > 0) log.warn({ jobs: lost.length }, 'lost the lock of held jobs: they may run again (stored once)');
      },
      (e: unknown) => log.warn({ err: (e as Error).message }, 'could not extend job locks'),
    );
  }, lockDurationMs / 2);
  lockTimer.unref();

  // ---- dead letters ----
  async function deadLetter(job: TakenJob, error: unknown): Promise<void> {
    const now = new Date();
    const message = error instanceof Error ? error.message : String(error);
    const payload = job.data !== null && typeof job.data === 'object' && !Array.isArray(job.data) ? job.data : { data: job.data ?? null };
    try {
      await recordDeadLetters(
        db,
        [{ queue: QUEUE, jobId: job.id, jobName: job.name, payload: payload as JsonObject, errorCode: errorCode(error), errorMessage: message, attempts: job.attemptsMade + 1 }],
        now,
      );
      metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' });
    } catch (e) {
      // The job stays in BullMQ's failed set (removeOnFail: false): still visible to ops.
      log.error({ jobId: job.id, err: (e as Error).message }, 'could not write dead letter');
    }
  }

  async function fail(job: TakenJob, error: Error, terminal: boolean): Promise<void> {
    const final = terminal || isFinalAttempt(job);
    if (final) await deadLetter(job, error);
    metrics?.worker.jobs.inc({ queue: QUEUE, result: 'failed' });
    jobLogger(log, { queue: QUEUE, jobId: job.id, attempt: job.attemptsMade + 1 }).warn(
      { code: errorCode(error), err: error.message, final },
      'document job failed',
    );
    try {
      await batches.fail(job, terminal ? new UnrecoverableError(`${errorCode(error)}: ${error.message}`) : error);
    } catch (e) {
      // Still active in BullMQ: once its lock expires the stalled checker puts it back, and it runs again.
      log.warn({ jobId: job.id, err: (e as Error).message }, 'could not mark the job failed');
    } finally {
      release(job);
    }
  }

  /** Completes committed jobs in BullMQ; on a Redis error tries again (they stay held, their locks extended). */
  async function complete(items: readonly { job: TakenJob; result: PersistedJob }[]): Promise<void> {
    // The return value is stored in Redis with the completed job: keep it small and free of buyer contacts.
    const done = items.map(({ job, result }) => ({ job, returnValue: { inserted: result.inserted } }));
    for (let attempt = 1; ; attempt++) {
      try {
        for (const { job, reason } of await batches.complete(done)) {
          // On a later try, jobs an earlier try completed before Redis failed come back as "lock missing": no news.
          log[attempt === 1 ? 'warn' : 'debug']({ jobId: job.id, reason }, 'committed job not completed in BullMQ: it may run again (stored once)');
        }
        break;
      } catch (e) {
        log.warn({ jobs: done.length, err: (e as Error).message }, 'could not complete jobs; trying again');
        if (stopping) break;
        await sleep(REDIS_RETRY_MS);
      }
    }
    for (const { job } of items) release(job);
  }

  async function settle(entries: readonly Entry[], results: readonly PersistResult[]): Promise<void> {
    const ok: { job: TakenJob; result: PersistedJob }[] = [];
    const failures: Promise<void>[] = [];
    entries.forEach(({ job }, i) => {
      const result = results[i];
      if (result === undefined) failures.push(fail(job, new Error('no result for job'), false));
      else if (!result.ok) failures.push(fail(job, result.error, true));
      else ok.push({ job, result });
    });
    let forwarded = false;
    try {
      await forward(ok);
      forwarded = true;
    } catch (e) {
      // Committed, but downstream not enqueued: fail the jobs so they are retried (the retry re-adds downstream).
      for (const { job } of ok) failures.push(fail(job, e as Error, false));
    }
    if (forwarded && ok.length > 0) {
      await complete(ok);
      metrics?.worker.jobs.inc({ queue: QUEUE, result: 'completed' }, ok.length);
    }
    await Promise.all(failures);
  }

  async function runBatch(entries: Entry[]): Promise<void> {
    const end = metrics?.worker.jobDuration.startTimer({ queue: QUEUE });
    try {
      const results = await processBatch(entries.map((e) => e.job.data));
      await settle(entries, results);
    } catch (batchError) {
      if (entries.length === 1 || !isPerJobError(batchError)) {
        await Promise.all(entries.map(({ job }) => fail(job, batchError as Error, false)));
      } else {
        log.warn({ jobs: entries.length, err: (batchError as Error).message }, 'batch failed; processing its jobs one by one');
        for (const entry of entries) {
          try {
            await settle([entry], await processBatch([entry.job.data]));
          } catch (e) {
            await fail(entry.job, e as Error, false);
          }
        }
      }
    } finally {
      end?.();
    }
  }

  // ---- micro-batcher ----
  // A batch starts when it is full, or when its oldest job has waited maxDelayMs — but only while fewer than
  // maxBatchesInFlight batches are running. So at a trickle every job is stored within a few ms, and from a full queue
  // jobs pile up behind the running batches and go in full batches: the batch size adapts to what PostgreSQL takes.
  const pending: Entry[] = [];
  let timer: NodeJS.Timeout | undefined;
  let draining = false;
  const running = new Set<Promise<void>>();

  function start(batch: Entry[]): void {
    const p = runBatch(batch)
      .catch((e: unknown) => {
        // runBatch settles every entry itself; this is a last resort so no job is held for ever.
        log.error({ jobs: batch.length, err: (e as Error).message }, 'batch failed unexpectedly');
        for (const { job } of batch) if (held.has(job)) release(job);
      })
      .finally(() => {
        running.delete(p);
        pump();
      });
    running.add(p);
  }

  function pump(): void {
    const now = performance.now();
    while (pending.length > 0 && (draining || running.size < maxBatchesInFlight)) {
      const due = draining || pending.length >= batchSize || now - pending[0]!.at >= maxDelayMs;
      if (!due) break;
      start(pending.length <= batchSize ? pending.splice(0) : pending.splice(0, batchSize));
    }
    // Waiting jobs and a free slot: start them when the oldest is due. With no free slot, the next batch to finish pumps.
    if (timer === undefined && pending.length > 0 && running.size < maxBatchesInFlight) {
      timer = setTimeout(
        () => {
          timer = undefined;
          pump();
        },
        Math.max(0, pending[0]!.at + maxDelayMs - now),
      );
    }
  }

  function submit(job: TakenJob): void {
    held.add(job);
    if (job.deferredFailure !== undefined) {
      // BullMQ failed it ahead of time: it stalled more often than allowed (its runs kept dying) — a poison job.
      void fail(job, Object.assign(new Error(job.deferredFailure), { code: 'JOB_STALLED_TOO_OFTEN' }), true);
      return;
    }
    pending.push({ job, at: performance.now() });
    if (pending.length >= batchSize || timer === undefined) pump();
  }

  /** Closing: start everything waiting now, whatever is in flight. */
  function drain(): void {
    draining = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    pump();
  }

  // ---- fetching ----
  // Takes jobs while fewer than `concurrency` are held: up to 100 per script call from a filled queue; when the queue is
  // empty, BullMQ's own blocking getNextJob waits for the next job (its markers also wake it for due delayed jobs).
  let tokens = 0;

  async function fetchLoop(): Promise<void> {
    while (!stopping) {
      const room = concurrency - held.size;
      if (room <= 0) {
        await new Promise<void>((resolve) => (roomFreed = resolve));
        continue;
      }
      const token = `${worker.id}:${tokens++}`;
      try {
        const { jobs, rateLimitedMs } = await batches.take(room, token);
        for (const job of jobs) submit(job);
        if (jobs.length > 0) continue;
        if (rateLimitedMs > 0) {
          await sleep(rateLimitedMs);
          continue;
        }
        if (stopping) break;
        const job = await worker.getNextJob(token, { block: true });
        if (job) submit(batches.fromJob(job, token));
      } catch (e) {
        if (stopping) break;
        log.warn({ err: (e as Error).message }, 'could not take jobs; trying again');
        await sleep(REDIS_RETRY_MS);
      }
    }
  }
  const fetching = fetchLoop();

  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        stopping = true;
        roomFreed?.();
        // End a blocking wait for jobs now rather than after up to drainDelay: BullMQ's marker tells blocked workers
        // there may be jobs (they look, and wait again). Without Redis, the wait ends at its timeout.
        await connection.zadd(worker.keys.marker!, 0, '0').catch(() => undefined);
        await fetching;
        // Jobs already taken finish: start what is waiting, now.
        drain();
        while (running.size > 0) await Promise.all([...running]);
        clearInterval(lockTimer);
        await worker.close();
        await Promise.all([fnsQueue.close(), crptQueue.close(), notifyQueue.close()]);
        await Promise.all([closeRedis(connection), closeRedis(producerConnection)]);
      })()),
  };
}
