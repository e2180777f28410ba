/**
 * BullMQ wiring of the persist processor (issues 4 and 12). The `documents` queue carries one job per micro-batch of the
 * gateway (DocumentBatchJob); a stock BullMQ Worker runs up to `concurrency` of them at once. Their documents are handed
 * to an in-process combiner, which runs the batch processor on up to `batchSize` documents (from several jobs), or on
 * fewer once the oldest has waited `maxDelayMs`, with at most `maxBatchesInFlight` transactions at a time. A job
 * completes (its processor returns) only after the COMMIT of its documents and after their downstream jobs are added.
 *
 * - A document that can never be stored (a bad payload, an undecodable container, a row PostgreSQL rejects) is parked
 *   ALONE in `dead_letters` with its error, as a batch of one under its own id (`ofd dlq replay` re-adds it); the rest of
 *   its batch is stored. If a combined transaction fails on one row, its documents are stored one per transaction to
 *   find it.
 * - Any other failure (PostgreSQL or Redis unreachable, a deadlock) fails the whole job: BullMQ retries it after its
 *   backoff, and PostgreSQL's (fn, fd) idempotency stores nothing twice. A job out of attempts (or failed by BullMQ for
 *   stalling too often) has each of its documents parked in `dead_letters`.
 * - Downstream jobs are added for newly stored documents, and also for already-stored ones when the job is a retry or
 *   a restarted (stalled) job: an earlier run may have committed and died before adding them; their deterministic ids
 *   make the re-add a no-op (downstream.ts). `fns` gets one batch job per persist job (src/queue/fns-jobs.ts:
 *   every stored document goes to the FNS, so a job each was ≈ 30 Redis commands per document); `crpt` and `notify` keep
 *   a job per document — only receipts with marking codes or a buyer's contact have one (≈ 13 % and 15 % of the
 *   loadtest's mix).
 * - If the process dies, BullMQ's stalled checker (run by every persist worker) puts its jobs back after the lock expires:
 *   the defaults (5 s lock, 3 s check) retake a killed worker's jobs within ≈ 11 s (issue 12: ≤ 15 s).
 */
import { Worker, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/database.js';
import { recordDeadLetters } from '../../db/dead-letters.repository.js';
import type { Metrics } from '../../observability/metrics.js';
import { documentsOfJob } from '../../queue/jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { closeRedis, createWorkerRedis } from '../../queue/redis-connection.js';
import { errorCode, letter, letterJobId, type Origin } from './dead-letters.js';
import { createDocumentCombiner, type DocumentCombiner } from './document-combiner.js';
import { createDownstream, type Downstream } from './downstream.js';
import { FetchGate, pauseControls } from '../shared/fetch-gate.js';
import { createPersistProcessor, type PersistedJob, type PersistJobError } from './persist.processor.js';

// 1000 rather than 500: a third fewer statements and rollup upserts per receipt (several receipts of a register share
// an hour and an item name), ≈ 10 % more receipts/s from a filled queue; a transaction still commits in ≈ 0.3 s.
export const DEFAULT_BATCH_SIZE = 1000;
/**
 * 50 ms, not 5: the ack went out before persisting starts, so this wait costs no register anything, while a
 * transaction's fixed cost (BEGIN, registry, FD numbers, COMMIT: a handful of round trips) is shared by what gathered.
 * At a few hundred documents/s per process, 5 ms made transactions of 1–2 documents. bench:gateway, npm start (every
 * role, both cores): 1 302 acks/s with 50 ms vs 747–1 054 with 5; PostgreSQL CPU per document 444 µs vs 806–878.
 */
export const DEFAULT_MAX_DELAY_MS = 50;
export const DEFAULT_MAX_BATCHES_IN_FLIGHT = 2;
/**
 * Batch jobs held at once. They must hold enough documents for the transactions in flight and a full one waiting behind
 * them (3 × 1 000): under load the gateway's batch jobs carry ≈ 20 documents each (its mean enqueue batch at 3–4 000
 * acks/s), so 32 jobs held ≈ 640 documents — transactions of ≈ 300 that waited for one another, with the worker and
 * PostgreSQL taking turns (each ≈ 0.5 of a core) instead of overlapping. Loadtest with 2 000 registers, storing
 * alone: 669 documents/s over load + drain with 32, 1 323 with 160 (docs/benchmarks/storing-2026-12-07-session22.md).
 * A held job costs its documents' memory (≈ 3 KB each) and a place in BullMQ's lock renewal.
 */
export const DEFAULT_CONCURRENCY = 160;
/**
 * Batch jobs held while a gateway process of the same `npm start` is busy (src/cluster/worker-yield.ts): between its
 * pauses the worker then stores in small transactions, as with 32 before, instead of taking the CPU the gateway needs
 * (bench:gateway, npm start: 160 throughout acknowledged 2 454–3 446/s against 3 092–3 393 with 32).
 */
export const BUSY_GATEWAY_CONCURRENCY = 32;
/**
 * A killed worker's job is retaken once its lock expired AND a stalled check saw it twice: at most ≈ lock + 2 × interval
 * = 11 s (issue 12's target: every acknowledged document stored within 15 s). The lock is renewed every 2.5 s; a
 * transaction takes ≈ 0.3 s, so only an event loop blocked for 5 s would lose it (the job would then run twice, stored once).
 */
export const DEFAULT_LOCK_DURATION_MS = 5000;
export const DEFAULT_STALLED_INTERVAL_MS = 3000;

export interface PersistWorkerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Documents per transaction at most. Default 1000. */
  readonly batchSize?: number;
  /** Longest a document waits for its transaction to fill while a transaction slot is free. Default 5 ms. */
  readonly maxDelayMs?: number;
  /** Transactions running at once; more documents wait and go in the next, fuller one. Default 2. */
  readonly maxBatchesInFlight?: number;
  /** Batch jobs held at once (BullMQ's worker concurrency). Default 160. */
  readonly concurrency?: number;
  /** BullMQ lock duration. Default 5 s. */
  readonly lockDurationMs?: number;
  /** How often BullMQ looks for stalled jobs (of dead workers). Default 3 s. */
  readonly stalledIntervalMs?: number;
  /** Store the usual values of a document row as null (OFD_STORE_USUAL_AS_NULL, true by default there; usual-as-null.ts). Default false here. */
  readonly usualAsNull?: boolean;
}

export interface PersistWorker {
  /** Stops fetching jobs, lets active ones finish, closes the Redis connections. Idempotent. */
  close(): Promise<void>;
  /**
   * Stops fetching new jobs; transactions running commit, the documents of the jobs held start no new one (their locks
   * are renewed) until resume; the other jobs wait in Redis.
   */
  pause(): Promise<void>;
  resume(): void;
  /**
   * Documents wait for a transaction: every transaction slot is taken, or the worker is paused holding them (for a busy
   * gateway). Forwarding yields then (forwarding-yield.ts).
   */
  backlogged(): boolean;
  /** A gateway process of the same `npm start` is busy (worker-yield.ts): hold BUSY_GATEWAY_CONCURRENCY jobs at most, else `concurrency`. */
  gatewayBusy(busy: boolean): void;
}

/** What a completed batch job stores as its return value: counts only (no buyer contacts in Redis). */
export interface PersistJobReturn {
  readonly documents: number;
  readonly inserted: number;
  readonly dead: number;
}

const QUEUE = QueueNames.documents;

interface JobDeps {
  readonly db: Kysely<Database>;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  readonly combine: DocumentCombiner;
  readonly downstream: Downstream;
  readonly gate: FetchGate;
}

/** One batch job: its documents go through the combiner; poison ones are parked, the stored ones forwarded. */
async function processJob(deps: JobDeps, job: Job): Promise<PersistJobReturn> {
  const { db, log, metrics } = deps;
  await deps.gate.pass();
  const documents = documentsOfJob(job.data);
  const origin: Origin = { jobId: job.id, attempt: job.attemptsMade + 1 };
  const results = await deps.combine(documents);
  const stored: PersistedJob[] = [];
  const dead: { index: number; error: PersistJobError }[] = [];
  results.forEach((r, index) => (r.ok ? stored.push(r) : dead.push({ index, error: r.error })));
  if (dead.length > 0) {
    // Before completing: if this write fails the job is retried, and the poison document parked then.
    await recordDeadLetters(db, dead.map(({ index, error }) => letter(origin, index, documents[index], error)));
    metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' }, dead.length);
    for (const { index, error } of dead) {
      log.warn({ jobId: job.id, document: letterJobId(origin, index, documents[index]), code: error.code, err: error.message }, 'document parked as a dead letter');
    }
  }
  await deps.downstream.forward(`documents-${job.id ?? 'unknown'}`, stored, job.attemptsMade > 0 || job.attemptsStarted > 1);
  metrics?.worker.jobs.inc({ queue: QUEUE, result: 'completed' });
  return { documents: documents.length, inserted: stored.filter((r) => r.inserted).length, dead: dead.length };
}

/** A failed attempt; out of attempts (or stalled too often), every document is parked on its own. */
function jobFailed(deps: JobDeps, job: Job | undefined, error: Error): void {
  const { db, log, metrics } = deps;
  if (!job) return;
  metrics?.worker.jobs.inc({ queue: QUEUE, result: 'failed' });
  const final = error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
  log.warn({ jobId: job.id, attempt: job.attemptsMade, code: errorCode(error), err: error.message, final }, 'document batch job failed');
  if (!final) return;
  // The job stays in BullMQ's failed set.
  const documents = documentsOfJob(job.data);
  // moveToFailed has counted this attempt already.
  const origin: Origin = { jobId: job.id, attempt: job.attemptsMade };
  recordDeadLetters(db, documents.map((doc, index) => letter(origin, index, doc, error))).then(
    () => metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' }, documents.length),
    (e: unknown) => log.error({ jobId: job.id, err: (e as Error).message }, 'could not write dead letters'),
  );
}

export function startPersistWorker(options: PersistWorkerOptions): PersistWorker {
  const { db, logger, metrics } = options;
  const log = logger.child({ role: 'worker', queue: QUEUE });
  const combine = createDocumentCombiner({
    processBatch: createPersistProcessor({ db, logger: log, ...(metrics ? { metrics } : {}), usualAsNull: options.usualAsNull === true }),
    logger: log,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
    maxBatchesInFlight: options.maxBatchesInFlight ?? DEFAULT_MAX_BATCHES_IN_FLIGHT,
    ...(metrics ? { metrics } : {}),
  });
  const connection = createWorkerRedis(options.redisUrl, { connectionName: 'ofd:worker:persist' });
  const producerConnection = createWorkerRedis(options.redisUrl, { connectionName: 'ofd:worker:persist:forward' });
  connection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  producerConnection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  const gate = new FetchGate();
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const deps: JobDeps = { db, log, metrics, combine, gate, downstream: createDownstream(producerConnection, options.prefix, log) };

  const worker = new Worker(QUEUE, (job: Job) => processJob(deps, job), {
    connection,
    prefix: options.prefix,
    concurrency,
    lockDuration: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
    stalledInterval: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
  });
  worker.on('error', (e: Error) => log.error({ err: e.message }, 'worker error'));
  worker.on('failed', (job, error) => jobFailed(deps, job, error));

  let closing: Promise<void> | undefined;
  const controls = pauseControls(worker, gate, () => closing !== undefined);
  return {
    // Transactions running commit; the documents of the jobs held start no transaction, and a job fetched from here on
    // waits at the gate, until resume. Holding them matters since the worker holds up to 160 jobs (≈ 3 000 documents
    // under load): storing them during the pause would take the CPU the pause is for.
    pause: () => {
      if (!closing) combine.hold(true);
      return controls.pause();
    },
    resume: () => {
      controls.resume();
      if (!closing) combine.hold(false);
    },
    backlogged: () => combine.backlogged(),
    gatewayBusy: (busy) => {
      worker.concurrency = busy ? Math.min(BUSY_GATEWAY_CONCURRENCY, concurrency) : concurrency;
    },
    close: () =>
      (closing ??= (async () => {
        gate.open();
        combine.hold(false);
        // Jobs already running finish (their documents are committed and forwarded) before the connections close.
        await worker.close();
        await combine.close();
        await deps.downstream.close();
        await Promise.all([closeRedis(connection), closeRedis(producerConnection)]);
      })()),
  };
}
