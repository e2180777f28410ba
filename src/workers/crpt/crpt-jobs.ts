/**
 * The job names of the `crpt` queue as the crpt worker runs them (crpt.worker.ts is the wiring; crpt.processor.ts what
 * one sale does): a one-sale job settles from its sale's outcome (../shared/job-outcome.ts); a batch job settles each
 * sale on its own — the processor records a sale's delivery, retry or death in crpt_sales itself — and puts those to
 * try again back as smaller batch jobs, as the fns worker does with its documents (../fns/fns-jobs.ts).
 */
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { sql, type Kysely } from 'kysely';
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
  /** Found parked already (the batch ran again): left so, not counted again. */
  readonly parked: number;
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
   * Resolves when the worker is not paused (forwarding yields to storing: FetchGate.pass), undefined when it is not. A
   * sale of a running batch waits here before it starts, as a one-sale job fetched while paused waits at the gate.
   */
  readonly paused: () => Promise<void> | undefined;
  /**
   * The worker is closing: a running batch starts no further sale — those not started go back as a batch job of
   * their own, attempts unchanged — so a shutdown waits for the sales in flight only, as it did with a job per sale.
   */
  readonly closing: () => boolean;
}

/**
 * One sale of a batch job as the processor sees it: named and shaped like a one-sale job, so its dead letter is one
 * (`ofd dlq replay` sends just it). Its attempt is its own count, not the batch job's. An entry that does not parse
 * keeps its data as it came: the processor parks it (CRPT_BAD_JOB) under an id naming its place in the batch.
 */
export function saleRef(job: BullJobLike, sale: unknown, index: number, retry: DocumentRetryPolicy): CrptJobRef {
  const parsed = crptBatchSaleSchema.safeParse(sale);
  if (!parsed.success) return { id: `${job.id ?? 'unknown'}-${index}`, name: JobNames.crpt, data: sale, attempt: 1, maxAttempts: retry.attempts, fromBatch: true };
  const { fn, fd, receivedAt, attempts = 0 } = parsed.data;
  return {
    id: documentJobId(fn, fd),
    name: JobNames.crpt,
    data: receivedAt === undefined ? { fn, fd } : { fn, fd, receivedAt },
    attempt: attempts + 1,
    maxAttempts: retry.attempts,
    fromBatch: true,
  };
}

async function processOne(deps: CrptJobDeps, job: CrptJobHandle, token: string | undefined): Promise<{ status: string; sent: boolean }> {
  const ctx: OutcomeContext = { queue: QUEUE, metrics: deps.metrics, log: jobLogger(deps.log, { queue: QUEUE, jobId: job.id, attempt: job.attemptsMade + 1 }) };
  const ref = jobRefOf(job, JOB_OPTIONS.crpt.attempts ?? 1);
  const outcome = await deps.limit(() => deps.process(ref));
  if (outcome.kind === 'nothing' || outcome.kind === 'delivered' || outcome.kind === 'parked') {
    countCompleted(ctx);
    return outcome.kind === 'delivered' ? { status: 'delivered', sent: outcome.sent } : { status: outcome.kind === 'parked' ? 'parked' : 'no_codes', sent: false };
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
  /** Entries not started because the worker was closing, as they came (an entry that does not parse included). */
  readonly postponed: unknown[];
  delivered: number;
  dead: number;
  parked: number;
}

function saleOf(ref: CrptJobRef, attempts: number): CrptBatchSale {
  const { fn, fd, receivedAt } = ref.data as { fn: string; fd: number; receivedAt?: string };
  return { fn, fd, ...(receivedAt === undefined ? {} : { receivedAt }), ...(attempts > 0 ? { attempts } : {}) };
}

/** A sale of a batch job not started because the worker was closing (deps.closing). */
const POSTPONED = { kind: 'postponed' } as const;
type SaleOutcome = CrptJobOutcome | typeof POSTPONED;

function tally(refs: readonly CrptJobRef[], entries: readonly unknown[], outcomes: readonly SaleOutcome[], log: Logger): BatchTally {
  const t: BatchTally = { again: new Map(), waiting: [], waitMs: 0, postponed: [], delivered: 0, dead: 0, parked: 0 };
  outcomes.forEach((outcome, i) => {
    const ref = refs[i]!;
    switch (outcome.kind) {
      case 'nothing':
      case 'delivered':
        t.delivered += 1;
        return;
      case 'parked':
        t.parked += 1;
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
        // No attempt used: it goes back with the count it came with.
        t.waiting.push(saleOf(ref, ref.attempt - 1));
        t.waitMs = Math.max(t.waitMs, outcome.delayMs);
        return;
      case 'postponed':
        t.postponed.push(entries[i]);
    }
  });
  return t;
}

/** The sales to try again go back as smaller batch jobs, under ids derived from this job (a re-run adds nothing twice). */
async function addAgain(deps: CrptJobDeps, job: CrptJobHandle, t: BatchTally): Promise<void> {
  const origin = job.id ?? 'unknown';
  const adds = [...t.again].map(([attempts, sales]) => ({ sales, delay: documentBackoffMs(deps.retry, attempts) }));
  if (t.waiting.length > 0) adds.push({ sales: t.waiting, delay: Math.max(1, t.waitMs) });
  if (t.postponed.length > 0) adds.push({ sales: t.postponed as CrptBatchSale[], delay: 0 });
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

/** The sales of the put-back groups (to try again, waiting on a lease, postponed), as refs for parking. */
function putBackRefs(job: CrptJobHandle, t: BatchTally, retry: DocumentRetryPolicy): CrptJobRef[] {
  const sales = [...[...t.again.values()].flat(), ...t.waiting, ...t.postponed];
  return sales.map((sale, i) => saleRef(job, sale, i, retry));
}

/**
 * Puts the sales to send again back (addAgain). When Redis refuses on the job's last attempt, nothing would send them
 * again: they are parked, each dead with its letter, before the error goes on (earlier attempts: the job runs again,
 * and what settled meanwhile stays settled — crpt_sales).
 */
async function putBackOrPark(deps: CrptJobDeps, job: CrptJobHandle, t: BatchTally, final: boolean): Promise<void> {
  try {
    await addAgain(deps, job, t);
  } catch (e) {
    if (final) for (const ref of putBackRefs(job, t, deps.retry)) await parkThrown(deps, ref, e as Error);
    throw e;
  }
}

const isFinalAttempt = (job: CrptJobHandle) => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

/**
 * Some sales threw (PostgreSQL failed under them). What settled stays settled: the sales to try again go back as their
 * own batch jobs, and the job keeps only the sales that threw, so its retry — BullMQ's backoff of the batch job — runs
 * just those. A crash between the two leaves the job as it was: its retry runs every sale again, and crpt_sales stops
 * one delivered or parked meanwhile (fromBatch). On the job's last attempt the sales that threw are parked first, each
 * dead with its letter.
 */
async function batchFailed(
  deps: CrptJobDeps,
  job: CrptJobHandle,
  refs: readonly CrptJobRef[],
  entries: readonly unknown[],
  settled: readonly PromiseSettledResult<SaleOutcome>[],
): Promise<never> {
  const reason = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
  const error = reason instanceof Error ? reason : new Error(String(reason));
  const final = isFinalAttempt(job);
  const ok = (i: number) => settled[i]!.status === 'fulfilled';
  const thrown = refs.filter((_, i) => !ok(i));
  if (final) for (const ref of thrown) await parkThrown(deps, ref, error);
  const t = tally(
    refs.filter((_, i) => ok(i)),
    entries.filter((_, i) => ok(i)),
    settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    deps.log,
  );
  await putBackOrPark(deps, job, t, final);
  countSettled(deps, t);
  if (!final) await job.updateData({ sales: entries.filter((_, i) => !ok(i)) });
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

/** One sale of a batch, in its limiter slot: it waits out a pause, and is not started once the worker is closing. */
async function runSale(deps: CrptJobDeps, ref: CrptJobRef): Promise<SaleOutcome> {
  await deps.paused();
  return deps.closing() ? POSTPONED : deps.process(ref);
}

/**
 * A batch job: every sale settles on its own. Those to try again go back as smaller batch jobs — one per attempt count
 * (their backoff), one for sales whose lease another worker holds, one for those not started because the worker was
 * closing (no attempt used) — added before this job completes.
 */
async function processMany(deps: CrptJobDeps, job: CrptJobHandle): Promise<CrptBatchJobReturn> {
  const data = job.data as { sales?: unknown } | null;
  if (data === null || typeof data !== 'object' || !Array.isArray(data.sales)) return parkMalformed(deps, job);
  const entries = data.sales as unknown[];
  const refs = entries.map((sale, i) => saleRef(job, sale, i, deps.retry));
  const settled = await Promise.allSettled(refs.map((ref) => deps.limit(() => runSale(deps, ref))));
  if (settled.some((r) => r.status === 'rejected')) return batchFailed(deps, job, refs, entries, settled);
  const t = tally(
    refs,
    entries,
    settled.map((r) => (r as PromiseFulfilledResult<SaleOutcome>).value),
    deps.log,
  );
  await putBackOrPark(deps, job, t, isFinalAttempt(job));
  const retrying = countSettled(deps, t);
  return { sales: refs.length, delivered: t.delivered, retrying, waiting: t.waiting.length + t.postponed.length, dead: t.dead, parked: t.parked };
}

/** The worker's processor: a batch job or a one-sale job (a receipt, or a form-82 notification). */
export function createCrptJobHandler(deps: CrptJobDeps): (job: CrptJobHandle, token: string | undefined) => Promise<unknown> {
  return (job, token) => (job.name === CRPT_BATCH_JOB ? processMany(deps, job) : processOne(deps, job, token));
}

type StalledDeps = { db: Kysely<Database>; log: Logger; metrics?: Metrics | undefined; retry: DocumentRetryPolicy; queue: Queue };

/** Parks a sale of a stalled batch as a one-sale job's stall would be (crpt-stalled.ts): dead with its letter. */
function parkAsOneSale(deps: StalledDeps, ref: CrptJobRef, error: Error): Promise<void> {
  return parkStalledCrptJob(deps, { id: ref.id, name: ref.name, data: ref.data, attemptsMade: ref.attempt - 1, opts: { attempts: ref.maxAttempts } }, error);
}

/**
 * The worker's 'failed' listener: a one-sale job given up for stalling is parked (crpt-stalled.ts: crpt_sales 'dead'
 * with its letter; a sale CRPT answered, or parked already, is left alone). A batch job given up for stalling — its
 * worker died, or lost its lock, twice while holding it — is not a reason to park up to a hundred sales that never
 * reached CRPT: each sale not settled yet goes back as a batch job of its own (`<sale's job id>-after-<batch job id>`,
 * its attempts carried), with a stall count of its own; a batch of one sale that stalls too often is parked, so a sale
 * that kills its worker ends alone in dead_letters. When the sales cannot be put back (Redis refuses), they are parked.
 * Never throws.
 */
export async function parkStalledCrptJobs(deps: StalledDeps, job: BullJobLike, error: Error): Promise<void> {
  if (job.name !== CRPT_BATCH_JOB) return parkStalledCrptJob(deps, job, error);
  if (!stalledTooOften(error)) return;
  const entries = salesOfCrptBatch(job.data);
  const refs = entries.map((sale, i) => saleRef(job, sale, i, deps.retry));
  const checks = entries.map((entry) => crptBatchSaleSchema.safeParse(entry));
  const parsed = refs.flatMap((ref, i) => {
    const p = checks[i]!;
    return p.success ? [{ ref, entry: p.data }] : [];
  });
  try {
    const bad = refs.filter((_, i) => !checks[i]!.success);
    if (bad.length > 0) await recordDeadLetters(deps.db, bad.map((ref) => deadLetterOf(QUEUE, ref, { code: CrptErrorCodes.CRPT_BAD_JOB, message: 'not a sale' })));
  } catch (e) {
    deps.log.error({ jobId: job.id, err: (e as Error).message }, 'could not park the entries of a stalled crpt batch that are no sale');
  }
  if (parsed.length === 1 && entries.length === 1) return parkAsOneSale(deps, parsed[0]!.ref, error);
  // Settled ones are left out; when PostgreSQL cannot say, every sale goes back (the claim stops a settled one).
  const settled = await settledSales(deps.db, parsed.map((p) => p.entry)).catch(() => new Set<string>());
  const again = parsed.filter((p) => !settled.has(`${p.entry.fn}:${p.entry.fd}`));
  const jobs = again.map(({ ref, entry }) => ({
    name: CRPT_BATCH_JOB,
    data: { sales: [entry] } satisfies CrptBatchJob,
    // The same id on a repeated listener call: adding twice is a no-op.
    opts: { jobId: `${ref.id ?? ''}-after-${job.id ?? 'unknown'}` },
  }));
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.queue.addBulk(jobs);
      deps.log.warn({ jobId: job.id, sales: again.length, settled: parsed.length - again.length }, 'crpt batch job stalled too often: its unsettled sales go back one per job');
      return;
    } catch (e) {
      if (attempt < 3) {
        await new Promise((r) => setTimeout(r, 500 * attempt));
        continue;
      }
      deps.log.error({ jobId: job.id, err: (e as Error).message, sales: again.map((a) => `${a.entry.fn}:${a.entry.fd}`) }, 'could not put the sales of a stalled crpt batch back: parking them');
      for (const { ref } of again) await parkAsOneSale(deps, ref, error);
      return;
    }
  }
}

/** Of `sales`, those delivered or parked ('dead'): settled, not to be sent again by this batch. */
async function settledSales(db: Kysely<Database>, sales: ReadonlyArray<{ fn: string; fd: number }>): Promise<Set<string>> {
  if (sales.length === 0) return new Set();
  const { rows } = await sql<{ fn: string; fd: string }>`
    select s.fn, s.fd::text as fd
      from unnest(${sales.map((x) => x.fn)}::text[], ${sales.map((x) => x.fd)}::bigint[]) as k (fn, fd)
      join crpt_sales s on s.source = 'receipt' and s.fn = k.fn and s.fd = k.fd
     where s.status in ('delivered', 'dead')`.execute(db);
  return new Set(rows.map((r) => `${r.fn}:${r.fd}`));
}
