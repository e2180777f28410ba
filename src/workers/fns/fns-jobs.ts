/**
 * The two job names of the `fns` queue as the fns worker runs them (fns.worker.ts is the wiring): a one-document job
 * settles from its document's outcome (../shared/job-outcome.ts), a batch job settles each document on its own and
 * puts those to try again back as smaller batch jobs.
 */
import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import { sql, type Kysely } from 'kysely';
import type { JsonObject } from '../../db/column-types.js';
import type { Database } from '../../db/database.js';
import { FNS_ANSWERED_SQL } from '../../db/tables/fns-status.js';
import { recordDeadLetters, type DeadLetterInput } from '../../db/dead-letters.repository.js';
import { jobLogger, type Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import {
  documentsOfFnsBatch,
  FNS_BATCH_JOB,
  fnsBatchDocumentSchema,
  fnsBatchJobId,
  type FnsBatchDocument,
  type FnsBatchJob,
} from '../../queue/fns-jobs.js';
import { documentBackoffMs, type DocumentRetryPolicy } from '../../queue/item-retry.js';
import { documentJobId } from '../../queue/job-ids.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import { JobNames } from '../../queue/jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { FnsError, FnsErrorCodes } from '../../adapters/fns/errors.js';
import { deadLetterOf, jobRefOf } from '../shared/job-ref.js';
import { countCompleted, throwForOutcome, type OutcomeContext } from '../shared/job-outcome.js';
import { parkedJobIds, stalledTooOften } from '../shared/stalled-jobs.js';
import type { FnsJobOutcome, FnsJobRef } from './fns.processor.js';

export type FnsJobHandle = Job<unknown, unknown, string>;

/** What a batch job returns: counts only. */
export interface FnsBatchJobReturn {
  readonly documents: number;
  readonly answered: number;
  readonly retrying: number;
  readonly waiting: number;
  readonly dead: number;
}

export interface FnsJobDeps {
  readonly db: Kysely<Database>;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  /** Queue-wide control (the rate limit of a 429) and the smaller batches of documents to try again. */
  readonly queue: Queue;
  /** Hands one document to the micro-batcher; resolves with its outcome, rejects when its batch failed (PostgreSQL). */
  readonly submit: (ref: FnsJobRef) => Promise<FnsJobOutcome>;
  readonly retry: DocumentRetryPolicy;
}

const QUEUE = QueueNames.fns;

function errorCode(e: Error): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : e.name;
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

/** The batch failed (PostgreSQL): the job is retried whole; on its last attempt its documents are parked, if PostgreSQL lets us. */
async function batchFailed(deps: FnsJobDeps, job: FnsJobHandle, refs: readonly FnsJobRef[], e: unknown): Promise<never> {
  const error = e instanceof Error ? e : new Error(String(e));
  const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (final) {
    await recordDeadLetters(deps.db, refs.map((ref) => letterOf(ref, error))).catch((err: unknown) =>
      deps.log.error({ jobId: job.id, err: (err as Error).message }, 'could not write dead letters'),
    );
  }
  deps.metrics?.worker.jobs.inc({ queue: QUEUE, result: final ? 'dead' : 'failed' }, refs.length);
  throw error;
}

async function processOne(deps: FnsJobDeps, job: FnsJobHandle, token: string | undefined): Promise<{ status: string; sent: boolean }> {
  const ctx: OutcomeContext = { queue: QUEUE, metrics: deps.metrics, log: jobLogger(deps.log, { queue: QUEUE, jobId: job.id, attempt: job.attemptsMade + 1 }) };
  const ref = jobRefOf(job, JOB_OPTIONS.fns.attempts ?? 1);
  let outcome: FnsJobOutcome;
  try {
    outcome = await deps.submit(ref);
  } catch (e) {
    return batchFailed(deps, job, [ref], e);
  }
  switch (outcome.kind) {
    case 'answered':
      countCompleted(ctx);
      return { status: outcome.status, sent: outcome.sent };
    case 'rate_limited':
      ctx.log.info({ retryAfterMs: outcome.retryAfterMs }, 'FNS rate limit: pausing the fns queue');
      await deps.queue.rateLimit(Math.max(1, outcome.retryAfterMs));
      throw Worker.RateLimitError();
    case 'deferred':
      return throwForOutcome(ctx, job, token, { ...outcome, reason: outcome.error.message });
    default:
      return throwForOutcome(ctx, job, token, outcome);
  }
}

/** How the documents of a batch job settled: counts, and those to send again. */
interface BatchTally {
  /** Documents to try again, by the attempts they have used (their backoff). */
  readonly again: Map<number, FnsBatchDocument[]>;
  /** Documents waiting on a lease or a rate limit (no attempt used). */
  readonly waiting: FnsBatchDocument[];
  waitMs: number;
  rateLimitMs: number;
  answered: number;
  dead: number;
}

function tally(refs: readonly FnsJobRef[], outcomes: readonly FnsJobOutcome[]): BatchTally {
  const t: BatchTally = { again: new Map(), waiting: [], waitMs: 0, rateLimitMs: 0, answered: 0, dead: 0 };
  outcomes.forEach((outcome, i) => {
    const ref = refs[i]!;
    const { fn, fd } = ref.data as { fn: string; fd: number };
    switch (outcome.kind) {
      case 'answered':
        t.answered += 1;
        return;
      case 'dead':
        t.dead += 1;
        return;
      case 'retry': {
        const group = t.again.get(ref.attempt) ?? [];
        group.push({ fn, fd, attempts: ref.attempt });
        t.again.set(ref.attempt, group);
        return;
      }
      case 'deferred':
      case 'rate_limited':
        // No attempt used: it goes back with the count it came with.
        t.waiting.push({ fn, fd, ...(ref.attempt > 1 ? { attempts: ref.attempt - 1 } : {}) });
        t.waitMs = Math.max(t.waitMs, outcome.kind === 'deferred' ? outcome.delayMs : outcome.retryAfterMs);
        if (outcome.kind === 'rate_limited') t.rateLimitMs = Math.max(t.rateLimitMs, outcome.retryAfterMs);
    }
  });
  return t;
}

/** The documents to try again go back as smaller batch jobs, under ids derived from this job (a re-run adds nothing twice). */
async function addAgain(deps: FnsJobDeps, job: FnsJobHandle, t: BatchTally): Promise<void> {
  const origin = job.id ?? 'unknown';
  const adds = [...t.again].map(([attempts, documents]) => ({ documents, delay: documentBackoffMs(deps.retry, attempts) }));
  if (t.waiting.length > 0) adds.push({ documents: t.waiting, delay: Math.max(1, t.waitMs) });
  if (adds.length === 0) return;
  await deps.queue.addBulk(
    adds.map(({ documents, delay }) => ({
      name: FNS_BATCH_JOB,
      data: { documents } satisfies FnsBatchJob,
      opts: { jobId: fnsBatchJobId(origin, documents), delay },
    })),
  );
}

/** A batch job whose data holds no list of documents: nothing to settle one by one, so the job itself is parked. */
async function parkMalformed(deps: FnsJobDeps, job: FnsJobHandle): Promise<never> {
  const error = new FnsError(FnsErrorCodes.FNS_BAD_JOB, 'an fns batch job without a list of documents', { requestSent: false });
  await recordDeadLetters(deps.db, [deadLetterOf(QUEUE, jobRefOf(job, JOB_OPTIONS.fns.attempts ?? 1), error)]);
  deps.metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' });
  throw new UnrecoverableError(`${error.code}: ${error.message}`);
}

/**
 * A batch job: every document settles on its own. Those to try again go back as smaller batch jobs — one per attempt
 * count (their backoff), one for documents waiting on a lease or a rate limit (no attempt used) — added before this job
 * completes.
 */
async function processMany(deps: FnsJobDeps, job: FnsJobHandle): Promise<FnsBatchJobReturn> {
  const data = job.data as { documents?: unknown } | null;
  if (data === null || typeof data !== 'object' || !Array.isArray(data.documents)) return parkMalformed(deps, job);
  const refs = documentsOfFnsBatch(job.data).map((doc, i) => batchRef(job, doc, i, deps.retry));
  const settled = await Promise.allSettled(refs.map(deps.submit));
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) return batchFailed(deps, job, refs, failure.reason);
  const t = tally(
    refs,
    settled.map((r) => (r as PromiseFulfilledResult<FnsJobOutcome>).value),
  );
  if (t.rateLimitMs > 0) {
    deps.log.info({ retryAfterMs: t.rateLimitMs }, 'FNS rate limit: pausing the fns queue');
    await deps.queue.rateLimit(t.rateLimitMs);
  }
  await addAgain(deps, job, t);
  const retrying = [...t.again.values()].reduce((n, g) => n + g.length, 0);
  const { metrics } = deps;
  if (t.answered > 0) metrics?.worker.jobs.inc({ queue: QUEUE, result: 'completed' }, t.answered);
  if (retrying > 0) metrics?.worker.jobs.inc({ queue: QUEUE, result: 'failed' }, retrying);
  if (t.dead > 0) metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' }, t.dead);
  return { documents: refs.length, answered: t.answered, retrying, waiting: t.waiting.length, dead: t.dead };
}

/**
 * The worker's 'failed' listener: a job given up for stalling has each of its documents that is still unsettled parked
 * in dead_letters, alone, as a one-document job (`ofd dlq replay` sends just it), instead of staying in the failed set
 * sent to no one. An earlier run of the job may have settled some: answered, or parked with their own error (kept as
 * it is, unless replayed since). Other failures were settled by the processor (batchFailed, throwForOutcome). Never
 * throws.
 */
export async function parkStalledJob(deps: Pick<FnsJobDeps, 'db' | 'log' | 'metrics' | 'retry'>, job: FnsJobHandle, error: Error): Promise<void> {
  if (!stalledTooOften(error)) return;
  const all =
    job.name === FNS_BATCH_JOB
      ? documentsOfFnsBatch(job.data).map((doc, i) => batchRef(job, doc, i, deps.retry))
      : [jobRefOf(job, JOB_OPTIONS.fns.attempts ?? 1)];
  try {
    const settled = await settledJobIds(deps.db, all);
    const refs = all.filter((ref) => !settled.has(ref.id ?? ''));
    if (refs.length === 0) return;
    await recordDeadLetters(deps.db, refs.map((ref) => letterOf(ref, error)));
    deps.metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' }, refs.length);
    deps.log.warn({ jobId: job.id, documents: refs.length }, 'fns job stalled too often: its documents parked as dead letters');
  } catch (e) {
    deps.log.error({ jobId: job.id, err: (e as Error).message }, 'could not write dead letters');
  }
}

/**
 * Of `refs`, the one-document job ids answered by the FNS, or parked and not replayed since. A replayed letter's
 * document (its fns_status may still say 'dead') is being sent again, so it is parked again if this job was its replay.
 */
async function settledJobIds(db: Kysely<Database>, refs: readonly FnsJobRef[]): Promise<Set<string>> {
  const keys = refs.flatMap((ref) => {
    const parsed = fnsBatchDocumentSchema.safeParse(ref.data);
    return parsed.success ? [{ fn: parsed.data.fn, fd: parsed.data.fd }] : [];
  });
  const { rows: answered } = await sql<{ fn: string; fd: string }>`
    select s.fn, s.fd::text as fd
      from unnest(${keys.map((k) => k.fn)}::text[], ${keys.map((k) => k.fd)}::bigint[]) as k (fn, fd)
     cross join lateral (select * from fns_outcomes s where s.fn = k.fn and s.fd = k.fd and s.status in (${FNS_ANSWERED_SQL}) offset 0) s`.execute(db);
  const parked = await parkedJobIds(db, QUEUE, refs.map((ref) => ref.id ?? ''));
  return new Set([...answered.map((a) => documentJobId(a.fn, Number(a.fd))), ...parked]);
}

/** The worker's processor: a batch job or a one-document job. */
export function createFnsJobHandler(deps: FnsJobDeps): (job: FnsJobHandle, token: string | undefined) => Promise<unknown> {
  return (job, token) => (job.name === FNS_BATCH_JOB ? processMany(deps, job) : processOne(deps, job, token));
}
