/**
 * The job names of the `crpt` queue as the crpt worker runs them (crpt.worker.ts is the wiring; crpt.processor.ts what
 * one sale does): a one-sale job settles from its sale's outcome (../shared/job-outcome.ts); a batch job settles each
 * sale on its own — the processor records a sale's delivery, retry or death in crpt_sales itself — and puts those to
 * try again back as smaller batch jobs, as the fns worker does with its documents (../fns/fns-jobs.ts).
 */
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { CrptError, CrptErrorCodes } from '../../adapters/crpt/errors.js';
import { recordCrptFailure } from '../../db/crpt-status.repository.js';
import { recordDeadLetters } from '../../db/dead-letters.repository.js';
import { jobLogger, type Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import {
  CRPT_BATCH_JOB,
  crptBatchJobId,
  crptBatchSaleSchema,
  salesOfCrptBatch,
  type CrptBatchJob,
  type CrptBatchSale,
} from '../../queue/crpt-jobs.js';
import { documentBackoffMs, type DocumentRetryPolicy } from '../../queue/item-retry.js';
import { documentJobId } from '../../queue/job-ids.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import { JobNames } from '../../queue/jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { deadLetterOf, jobRefOf, type BullJobLike } from '../shared/job-ref.js';
import { countCompleted, throwForOutcome, type OutcomeContext } from '../shared/job-outcome.js';
import { stalledTooOften } from '../shared/stalled-jobs.js';
import { parkStalledCrptJob } from './crpt-stalled.js';
import type { CrptJobOutcome, CrptJobRef } from './crpt.processor.js';

const QUEUE = QueueNames.crpt;

export type CrptJobHandle = Job<unknown, unknown, string>;

/** What a batch job returns: counts only. */
export interface CrptBatchJobReturn {
  readonly sales: number;
  readonly delivered: number;
  readonly retrying: number;
  readonly waiting: number;
  readonly dead: number;
}

export interface CrptJobDeps {
  readonly db: Kysely<Database>;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  /** The smaller batch jobs of sales to try again are added here. */
  readonly queue: Queue;
  /** One sale (crpt.processor.ts). */
  readonly process: (ref: CrptJobRef) => Promise<CrptJobOutcome>;
  readonly retry: DocumentRetryPolicy;
  /**
   * Runs a sale of a batch when a slot is free: the worker's sales in flight, across its jobs, stay as many as its
   * one-sale jobs could have been (its concurrency), so a batch does not become a burst of requests to CRPT.
   */
  readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  /**
   * The worker is paused (forwarding yields to storing) or closing: a batch job already running starts no further
   * sale — those not started go back as a batch job of their own, attempts unchanged — so a pause or a shutdown waits
   * for the sales in flight only, as it did with a job per sale.
   */
  readonly holding: () => boolean;
}

/**
 * One sale of a batch job as the processor sees it: named and shaped like a one-sale job, so its dead letter is one
 * (`ofd dlq replay` sends just it). Its attempt is its own count, not the batch job's. An entry that does not parse
 * keeps its data as it came: the processor parks it (CRPT_BAD_JOB) under an id naming its place in the batch.
 */
export function saleRef(job: BullJobLike, sale: unknown, index: number, retry: DocumentRetryPolicy): CrptJobRef {
  const parsed = crptBatchSaleSchema.safeParse(sale);
  if (!parsed.success) return { id: `${job.id ?? 'unknown'}-${index}`, name: JobNames.crpt, data: sale, attempt: 1, maxAttempts: retry.attempts };
  const { fn, fd, receivedAt, attempts = 0 } = parsed.data;
  return {
    id: documentJobId(fn, fd),
    name: JobNames.crpt,
    data: receivedAt === undefined ? { fn, fd } : { fn, fd, receivedAt },
    attempt: attempts + 1,
    maxAttempts: retry.attempts,
  };
}

async function processOne(deps: CrptJobDeps, job: CrptJobHandle, token: string | undefined): Promise<{ status: string; sent: boolean }> {
  const ctx: OutcomeContext = { queue: QUEUE, metrics: deps.metrics, log: jobLogger(deps.log, { queue: QUEUE, jobId: job.id, attempt: job.attemptsMade + 1 }) };
  const ref = jobRefOf(job, JOB_OPTIONS.crpt.attempts ?? 1);
  const outcome = await deps.limit(() => deps.process(ref));
  if (outcome.kind === 'nothing' || outcome.kind === 'delivered') {
    countCompleted(ctx);
    return outcome.kind === 'nothing' ? { status: 'no_codes', sent: false } : { status: 'delivered', sent: outcome.sent };
  }
  if (outcome.kind === 'deferred') return throwForOutcome(ctx, job, token, { ...outcome, reason: 'another worker holds the send lease' });
  return throwForOutcome(ctx, job, token, outcome.kind === 'dead' ? { ...outcome, logDead: true } : outcome);
}

/** How the sales of a batch job settled: counts, and those to send again. */
interface BatchTally {
  /** Sales to try again, by the attempts they have used (their backoff). */
  readonly again: Map<number, CrptBatchSale[]>;
  /** Sales whose lease another worker holds (no attempt used), and the longest wait. */
  readonly waiting: CrptBatchSale[];
  waitMs: number;
  delivered: number;
  dead: number;
}

function saleOf(ref: CrptJobRef, attempts: number): CrptBatchSale {
  const { fn, fd, receivedAt } = ref.data as { fn: string; fd: number; receivedAt?: string };
  return { fn, fd, ...(receivedAt === undefined ? {} : { receivedAt }), ...(attempts > 0 ? { attempts } : {}) };
}

/** A sale of a batch job not started because the worker was paused or closing (deps.holding). */
const POSTPONED = { kind: 'postponed' } as const;
type SaleOutcome = CrptJobOutcome | typeof POSTPONED;

function tally(refs: readonly CrptJobRef[], outcomes: readonly SaleOutcome[], log: Logger): BatchTally {
  const t: BatchTally = { again: new Map(), waiting: [], waitMs: 0, delivered: 0, dead: 0 };
  outcomes.forEach((outcome, i) => {
    const ref = refs[i]!;
    switch (outcome.kind) {
      case 'nothing':
      case 'delivered':
        t.delivered += 1;
        return;
      case 'dead':
        t.dead += 1;
        log.warn({ jobId: ref.id, code: outcome.error.code, err: outcome.error.message }, 'crpt sale dead-lettered');
        return;
      case 'retry': {
        const group = t.again.get(ref.attempt) ?? [];
        group.push(saleOf(ref, ref.attempt));
        t.again.set(ref.attempt, group);
        return;
      }
      case 'deferred':
      case 'postponed':
        // No attempt used: it goes back with the count it came with.
        t.waiting.push(saleOf(ref, ref.attempt - 1));
        if (outcome.kind === 'deferred') t.waitMs = Math.max(t.waitMs, outcome.delayMs);
    }
  });
  return t;
}

/** The sales to try again go back as smaller batch jobs, under ids derived from this job (a re-run adds nothing twice). */
async function addAgain(deps: CrptJobDeps, job: CrptJobHandle, t: BatchTally): Promise<void> {
  const origin = job.id ?? 'unknown';
  const adds = [...t.again].map(([attempts, sales]) => ({ sales, delay: documentBackoffMs(deps.retry, attempts) }));
  if (t.waiting.length > 0) adds.push({ sales: t.waiting, delay: Math.max(1, t.waitMs) });
  if (adds.length === 0) return;
  await deps.queue.addBulk(
    adds.map(({ sales, delay }) => ({ name: CRPT_BATCH_JOB, data: { sales } satisfies CrptBatchJob, opts: { jobId: crptBatchJobId(origin, sales), delay } })),
  );
}

function countSettled(deps: CrptJobDeps, t: BatchTally): number {
  const retrying = [...t.again.values()].reduce((n, g) => n + g.length, 0);
  const { metrics } = deps;
  if (t.delivered > 0) metrics?.worker.jobs.inc({ queue: QUEUE, result: 'completed' }, t.delivered);
  if (retrying > 0) metrics?.worker.jobs.inc({ queue: QUEUE, result: 'failed' }, retrying);
  if (t.dead > 0) metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' }, t.dead);
  return retrying;
}

/** A sale that threw on the batch job's last attempt: dead, with its letter, in one transaction (as the processor parks). */
async function parkThrown(deps: CrptJobDeps, ref: CrptJobRef, error: Error): Promise<void> {
  const { code } = error as { code?: unknown };
  const letter = deadLetterOf(QUEUE, ref, { code: typeof code === 'string' ? code : error.name, message: error.message });
  const parsed = crptBatchSaleSchema.safeParse(ref.data);
  try {
    if (!parsed.success) await recordDeadLetters(deps.db, [letter]);
    else {
      // Whether its request went out is not known: `sent` false leaves its attempts and sent_at as they were.
      const key = { source: 'receipt' as const, fn: parsed.data.fn, fd: parsed.data.fd };
      await recordCrptFailure(deps.db, key, { status: 'dead', errorCode: letter.errorCode, error: letter.errorMessage, sent: false, deadLetter: letter });
    }
  } catch (e) {
    // PostgreSQL is still failing: the batch job stays in BullMQ's failed set, the last record of these sales.
    deps.log.error({ jobId: ref.id, err: (e as Error).message }, 'could not park a sale of a failed crpt batch');
  }
}

/**
 * Some sales threw (PostgreSQL failed under them). What settled stays settled: the sales to try again go back as their
 * own batch jobs, and the job keeps only the sales that threw, so its retry — BullMQ's backoff of the batch job — runs
 * just those (a sale refused for good must not be sent again, one to try again must wait for its own backoff). A crash
 * between the two leaves the job as it was: its retry runs every sale again, and crpt_sales stops a delivered one. On
 * the job's last attempt the sales that threw are parked, each dead with its letter.
 */
async function batchFailed(deps: CrptJobDeps, job: CrptJobHandle, refs: readonly CrptJobRef[], settled: readonly PromiseSettledResult<SaleOutcome>[]): Promise<never> {
  const reason = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
  const error = reason instanceof Error ? reason : new Error(String(reason));
  const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const done = refs.filter((_, i) => settled[i]!.status === 'fulfilled');
  const outcomes = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const thrown = refs.filter((_, i) => settled[i]!.status === 'rejected');
  const t = tally(done, outcomes, deps.log);
  await addAgain(deps, job, t);
  countSettled(deps, t);
  if (final) {
    for (const ref of thrown) await parkThrown(deps, ref, error);
  } else {
    const raw = salesOfCrptBatch(job.data);
    await job.updateData({ sales: raw.filter((_, i) => settled[i]!.status === 'rejected') });
  }
  deps.metrics?.worker.jobs.inc({ queue: QUEUE, result: final ? 'dead' : 'failed' }, thrown.length);
  throw error;
}

/** A batch job whose data holds no list of sales: nothing to settle one by one, so the job itself is parked. */
async function parkMalformed(deps: CrptJobDeps, job: CrptJobHandle): Promise<never> {
  const error = new CrptError(CrptErrorCodes.CRPT_BAD_JOB, 'a crpt batch job without a list of sales', { requestSent: false });
  await recordDeadLetters(deps.db, [deadLetterOf(QUEUE, jobRefOf(job, JOB_OPTIONS.crpt.attempts ?? 1), error)]);
  deps.metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' });
  throw new UnrecoverableError(`${error.code}: ${error.message}`);
}

/**
 * A batch job: every sale settles on its own. Those to try again go back as smaller batch jobs — one per attempt count
 * (their backoff), one for sales whose lease another worker holds or not started while the worker paused (no attempt
 * used) — added before this job completes.
 */
async function processMany(deps: CrptJobDeps, job: CrptJobHandle): Promise<CrptBatchJobReturn> {
  const data = job.data as { sales?: unknown } | null;
  if (data === null || typeof data !== 'object' || !Array.isArray(data.sales)) return parkMalformed(deps, job);
  const refs = salesOfCrptBatch(job.data).map((sale, i) => saleRef(job, sale, i, deps.retry));
  const settled = await Promise.allSettled(refs.map((ref) => deps.limit<SaleOutcome>(() => (deps.holding() ? Promise.resolve(POSTPONED) : deps.process(ref)))));
  if (settled.some((r) => r.status === 'rejected')) return batchFailed(deps, job, refs, settled);
  const t = tally(
    refs,
    settled.map((r) => (r as PromiseFulfilledResult<SaleOutcome>).value),
    deps.log,
  );
  await addAgain(deps, job, t);
  const retrying = countSettled(deps, t);
  return { sales: refs.length, delivered: t.delivered, retrying, waiting: t.waiting.length, dead: t.dead };
}

/** The worker's processor: a batch job or a one-sale job (a receipt, or a form-82 notification). */
export function createCrptJobHandler(deps: CrptJobDeps): (job: CrptJobHandle, token: string | undefined) => Promise<unknown> {
  return (job, token) => (job.name === CRPT_BATCH_JOB ? processMany(deps, job) : processOne(deps, job, token));
}

/**
 * The worker's 'failed' listener: a job given up for stalling has each of its sales parked as a one-sale job's would
 * be (crpt-stalled.ts: crpt_sales 'dead' with its letter; a sale CRPT answered, or parked already, is left alone).
 * Never throws.
 */
export async function parkStalledCrptJobs(
  deps: { db: Kysely<Database>; log: Logger; metrics?: Metrics | undefined; retry: DocumentRetryPolicy },
  job: BullJobLike,
  error: Error,
): Promise<void> {
  if (job.name !== CRPT_BATCH_JOB) return parkStalledCrptJob(deps, job, error);
  if (!stalledTooOften(error)) return;
  for (const [i, sale] of salesOfCrptBatch(job.data).entries()) {
    const ref = saleRef(job, sale, i, deps.retry);
    // As a one-sale job on its own attempt: its letter is what a replay sends.
    await parkStalledCrptJob(deps, { id: ref.id, name: ref.name, data: ref.data, attemptsMade: ref.attempt - 1, opts: { attempts: ref.maxAttempts } }, error);
  }
}
