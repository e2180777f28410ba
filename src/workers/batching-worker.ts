/**
 * BullMQ wiring of the persist processor (issue 4): a Worker on `documents` with a high concurrency, so many jobs are
 * in flight at once; each job's processor call hands the job to an in-process micro-batcher, which runs the batch
 * processor on `batchSize` jobs, or on fewer once the oldest has waited `maxDelayMs`, with at most `maxBatchesInFlight`
 * transactions at a time, and resolves each job's promise only after the COMMIT — BullMQ marks a job completed only then.
 *
 * - If a batch transaction fails, its jobs are processed one per transaction, so a poison job fails alone.
 * - A job that fails for good (a terminal PersistJobError, or its last attempt) is written to `dead_letters` before
 *   BullMQ marks it failed.
 * - After the commit, downstream jobs (`fns`, `crpt`, `notify`) are added with deterministic ids. They are added for
 *   newly stored documents, and also for already-stored ones when the job is a retry or a restarted (stalled) job:
 *   an earlier attempt may have committed and died before its addBulk; the deterministic ids make the re-add a no-op.
 */
import { recordDeadLetters } from '../db/dead-letters.repository.js';
import type { JsonObject } from '../db/column-types.js';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
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
import { createPersistProcessor, type PersistedJob, type PersistProcessor, type PersistResult } from './persist-documents.processor.js';

export const DEFAULT_BATCH_SIZE = 500;
export const DEFAULT_MAX_DELAY_MS = 5;
export const DEFAULT_MAX_BATCHES_IN_FLIGHT = 2;

export interface PersistWorkerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Jobs per transaction at most. Default 500. */
  readonly batchSize?: number;
  /** Longest a job waits for its batch to fill while a transaction slot is free. Default 5 ms. */
  readonly maxDelayMs?: number;
  /** Batches (transactions) running at once; more jobs wait and go in the next, fuller batch. Default 2. */
  readonly maxBatchesInFlight?: number;
  /**
   * BullMQ Worker concurrency: jobs in flight at once, running or waiting for a batch. Default
   * batchSize × (maxBatchesInFlight + 1), so a full batch is waiting when a running one finishes.
   */
  readonly concurrency?: number;
  /** BullMQ lock duration: a job whose worker died is retried after about this long. Default BullMQ's (30 s). */
  readonly lockDurationMs?: number;
  /** How often BullMQ looks for stalled jobs (of dead workers). Default BullMQ's (30 s). */
  readonly stalledIntervalMs?: number;
}

export interface PersistWorker {
  /** Stops fetching jobs, lets active batches finish, closes the Redis connections. Idempotent. */
  close(): Promise<void>;
}

type DocumentJobHandle = Job<unknown, unknown, string>;

interface Entry {
  readonly job: DocumentJobHandle;
  readonly resolve: (value: PersistedJob) => void;
  readonly reject: (error: Error) => void;
  /** performance.now() when handed to the batcher. */
  readonly at: number;
}

const QUEUE = QueueNames.documents;

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

function isFinalAttempt(job: DocumentJobHandle): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

export function startPersistWorker(options: PersistWorkerOptions): PersistWorker {
  const { db, logger, metrics } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const maxBatchesInFlight = options.maxBatchesInFlight ?? DEFAULT_MAX_BATCHES_IN_FLIGHT;
  const concurrency = options.concurrency ?? batchSize * (maxBatchesInFlight + 1);
  const log = logger.child({ role: 'worker', queue: QUEUE });
  const processBatch: PersistProcessor = createPersistProcessor({ db, logger: log, ...(metrics ? { metrics } : {}) });

  const connection = createWorkerRedis(options.redisUrl, { connectionName: 'ofd:worker:persist' });
  const producerConnection = createWorkerRedis(options.redisUrl, { connectionName: 'ofd:worker:persist:forward' });
  connection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  producerConnection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));

  const fnsQueue = new Queue<FnsJob>(QueueNames.fns, { connection: producerConnection, prefix: options.prefix, defaultJobOptions: JOB_OPTIONS.fns });
  const crptQueue = new Queue<CrptJob>(QueueNames.crpt, { connection: producerConnection, prefix: options.prefix, defaultJobOptions: JOB_OPTIONS.crpt });
  const notifyQueue = new Queue<NotifyJob>(QueueNames.notify, {
    connection: producerConnection,
    prefix: options.prefix,
    defaultJobOptions: JOB_OPTIONS.notify,
  });
  for (const q of [fnsQueue, crptQueue, notifyQueue]) q.on('error', (e: Error) => log.warn({ err: e.message }, 'queue error'));

  // ---- downstream ----
  async function forward(items: readonly { job: DocumentJobHandle; result: PersistedJob }[]): Promise<void> {
    const fns: { name: string; data: FnsJob; opts: { jobId: string } }[] = [];
    const crpt: { name: string; data: CrptJob; opts: { jobId: string } }[] = [];
    const notify: { name: string; data: NotifyJob; opts: { jobId: string } }[] = [];
    for (const { job, result } of items) {
      const retried = job.attemptsMade > 0 || (job.attemptsStarted ?? 0) > 1;
      if (!result.inserted && !retried) continue;
      const { fn, fd, downstream } = result;
      const jobId = documentJobId(fn, fd);
      if (downstream.fns) fns.push({ name: JobNames.fns, data: { fn, fd }, opts: { jobId } });
      if (downstream.crpt) crpt.push({ name: JobNames.crpt, data: { fn, fd }, opts: { jobId } });
      if (downstream.notify) {
        const { channel, recipient } = downstream.notify;
        notify.push({ name: JobNames.notify, data: { fn, fd, channel, recipient }, opts: { jobId: notifyJobId(fn, fd, channel) } });
      }
    }
    const adds: Promise<unknown>[] = [];
    for (let i = 0; i < fns.length; i += 1000) adds.push(fnsQueue.addBulk(fns.slice(i, i + 1000)));
    for (let i = 0; i < crpt.length; i += 1000) adds.push(crptQueue.addBulk(crpt.slice(i, i + 1000)));
    for (let i = 0; i < notify.length; i += 1000) adds.push(notifyQueue.addBulk(notify.slice(i, i + 1000)));
    await Promise.all(adds);
  }

  // ---- dead letters ----
  async function deadLetter(job: DocumentJobHandle, error: unknown): Promise<void> {
    const now = new Date();
    const message = error instanceof Error ? error.message : String(error);
    const payload = job.data !== null && typeof job.data === 'object' && !Array.isArray(job.data) ? job.data : { data: job.data ?? null };
    try {
      await recordDeadLetters(
        db,
        [{ queue: QUEUE, jobId: job.id ?? '', jobName: job.name, payload: payload as JsonObject, errorCode: errorCode(error), errorMessage: message, attempts: job.attemptsMade + 1 }],
        now,
      );
      metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' });
    } catch (e) {
      // The job stays in BullMQ's failed set (removeOnFail: false): still visible to ops.
      log.error({ jobId: job.id, err: (e as Error).message }, 'could not write dead letter');
    }
  }

  async function fail(entry: Entry, error: Error, terminal: boolean): Promise<void> {
    const final = terminal || isFinalAttempt(entry.job);
    if (final) await deadLetter(entry.job, error);
    metrics?.worker.jobs.inc({ queue: QUEUE, result: 'failed' });
    jobLogger(log, { queue: QUEUE, jobId: entry.job.id, attempt: entry.job.attemptsMade + 1 }).warn(
      { code: errorCode(error), err: error.message, final },
      'document job failed',
    );
    entry.reject(terminal ? new UnrecoverableError(`${errorCode(error)}: ${error.message}`) : error);
  }

  async function settle(entries: readonly Entry[], results: readonly PersistResult[]): Promise<void> {
    const ok: { entry: Entry; result: PersistedJob }[] = [];
    const failures: Promise<void>[] = [];
    entries.forEach((entry, i) => {
      const result = results[i];
      if (result === undefined) failures.push(fail(entry, new Error('no result for job'), false));
      else if (!result.ok) failures.push(fail(entry, result.error, true));
      else ok.push({ entry, result });
    });
    try {
      await forward(ok.map(({ entry, result }) => ({ job: entry.job, result })));
      if (ok.length > 0) metrics?.worker.jobs.inc({ queue: QUEUE, result: 'completed' }, ok.length);
      for (const { entry, result } of ok) entry.resolve(result);
    } catch (e) {
      // Committed, but downstream not enqueued: fail the jobs so they are retried (the retry re-adds downstream).
      for (const { entry } of ok) failures.push(fail(entry, e as Error, false));
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
        await Promise.all(entries.map((entry) => fail(entry, batchError as Error, false)));
      } else {
        log.warn({ jobs: entries.length, err: (batchError as Error).message }, 'batch failed; processing its jobs one by one');
        for (const entry of entries) {
          try {
            await settle([entry], await processBatch([entry.job.data]));
          } catch (e) {
            await fail(entry, e as Error, false);
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
        // runBatch settles every entry itself; this is a last resort so no job hangs.
        for (const entry of batch) entry.reject(e as Error);
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

  function submit(job: DocumentJobHandle): Promise<PersistedJob> {
    return new Promise<PersistedJob>((resolve, reject) => {
      pending.push({ job, resolve, reject, at: performance.now() });
      if (pending.length >= batchSize || timer === undefined) pump();
    });
  }

  /** Closing: start everything waiting now, whatever is in flight. */
  function drain(): void {
    draining = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    pump();
  }

  // The return value is stored in Redis with the completed job: keep it small and free of buyer contacts.
  const worker = new Worker<unknown, { inserted: boolean }, string>(QUEUE, async (job) => ({ inserted: (await submit(job)).inserted }), {
    connection,
    prefix: options.prefix,
    concurrency,
    ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
  });
  worker.on('error', (e: Error) => log.error({ err: e.message }, 'worker error'));

  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        const closingWorker = worker.close();
        // Jobs already handed to the batcher finish: start what is waiting, now.
        drain();
        await closingWorker;
        drain();
        while (running.size > 0) await Promise.all([...running]);
        await Promise.all([fnsQueue.close(), crptQueue.close(), notifyQueue.close()]);
        await Promise.all([closeRedis(connection), closeRedis(producerConnection)]);
      })()),
  };
}
