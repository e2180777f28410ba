/**
 * The fns processor: a batch of `fns` jobs → the FNS, each document's answer → fns_status (issue 5). A plain function
 * over PostgreSQL and an FnsClient; the BullMQ wiring is fns.worker.ts.
 *
 * Per batch:
 * 1. Validate the payloads (a bad one is parked at once: FNS_BAD_JOB).
 * 2. Read the stored raw containers (absent → parked: FNS_DOCUMENT_NOT_FOUND).
 * 3. Claim the send lease of each document (a row of fns_leases: fns-status.repository.ts), then read the documents'
 *    states again. Not claimed, or found answered: either the FNS has answered it already — the job completes without
 *    sending (a re-delivered or replayed job never sends twice) — or another worker is sending it right now — the job
 *    is deferred until that lease ends.
 * 4. Build each submission from the raw bytes (fns-submission.ts) and send them in one request. A 400 that names
 *    culprits parks those and re-sends the rest; a 400 naming none is bisected, so one bad document cannot park its
 *    neighbours.
 * 5. Store every outcome in one transaction: the FNS's answer, or the failure — 'retrying' while attempts remain, else
 *    'dead' with a dead letter — written once into fns_status, the leases deleted, and the fns_dead events. Count them.
 *    Every `leaseVacuumMs` a VACUUM of fns_leases follows in the background (fns-leases-vacuum.ts).
 *
 * Exactly once, as far as it goes: a document is sent only under a live lease, and never again once its answer is
 * stored. What remains is at-least-once in one window: the FNS processed a request but its answer was not stored — a
 * timeout, a lost connection, a crash between the request and the commit. The document is then sent again (after the
 * retry backoff, or once the dead worker's lease has run out), and the FNS, which is idempotent by (fn, fd), answers the
 * copy with its first answer (duplicate: true) without processing it again.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { FnsError, FnsErrorCodes, isFnsError } from '../../adapters/fns/errors.js';
import { documentKey, FNS_MAX_DOCUMENTS, type FnsDocumentResult, type FnsDocumentSubmission, type FnsStatus, type FnsTagError } from '../../adapters/fns/fns-api.js';
import type { FnsClient } from '../../adapters/fns/fns-client.js';
import { buildSubmission } from '../../adapters/fns/fns-submission.js';
import type { Database } from '../../db/database.js';
import { recordDeadLetters, type DeadLetterInput } from '../../db/dead-letters.repository.js';
import { createLeaseVacuum } from '../../db/fns-leases-vacuum.js';
import {
  claimForFns,
  findFnsAnswers,
  findFnsLeaseEnds,
  readStoredContainers,
  recordFnsOutcomes,
  type FnsOutcomeRecord,
  type StoredContainer,
} from '../../db/fns-status.repository.js';
import { fnsErrorsOf } from '../../db/tables/fns-status.js';
import { fnsJobSchema } from '../../queue/fns-jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { deadLetterOf, type FailedOutcome, type JobRef, type SendingProcessorDeps } from '../shared/job-ref.js';

/** Longer than the client's worst case for one batch (HTTP_FNS_DEFAULTS: 3 attempts × 15 s + backoff ≈ 65 s). */
export const DEFAULT_LEASE_MS = 120_000;

/** What the processor needs of a BullMQ job. */
export type FnsJobRef = JobRef;

export type FnsJobOutcome =
  /** The FNS's answer; sent false when it was stored already and nothing was sent. */
  | { readonly kind: 'answered'; readonly status: FnsStatus; readonly errors: readonly FnsTagError[]; readonly sent: boolean }
  /** 429 with Retry-After: pause the queue that long; the attempt does not count. */
  | { readonly kind: 'rate_limited'; readonly error: FnsError; readonly retryAfterMs: number }
  /** Another worker holds the document's lease: come back after delayMs; the attempt does not count. */
  | { readonly kind: 'deferred'; readonly error: FnsError; readonly delayMs: number }
  | FailedOutcome<FnsError>;

/** leaseMs defaults to DEFAULT_LEASE_MS; leaseVacuumMs (how often fns_leases is vacuumed) to DEFAULT_LEASE_VACUUM_MS. */
export type FnsProcessorDeps = SendingProcessorDeps<FnsClient> & { readonly leaseVacuumMs?: number };

export type FnsProcessor = (jobs: readonly FnsJobRef[]) => Promise<FnsJobOutcome[]>;

type Delivery = { readonly answer: FnsDocumentResult } | { readonly error: FnsError; readonly sent: boolean };

type KeyResult =
  | { readonly kind: 'delivered'; readonly delivery: Delivery }
  | { readonly kind: 'stored'; readonly status: FnsStatus; readonly errors: readonly FnsTagError[] }
  | { readonly kind: 'in_flight'; readonly delayMs: number }
  | { readonly kind: 'failed'; readonly error: FnsError };

interface KeyJobs {
  readonly fn: string;
  readonly fd: number;
  readonly indexes: number[];
}

const FORWARD_RESULT: Readonly<Record<FnsStatus, string>> = {
  accepted: 'ok',
  accepted_with_warnings: 'warnings',
  rejected: 'rejected',
  quarantine: 'quarantine',
};
const TARGET = 'fns';
/** Shortest deferral behind another worker's lease: clocks of the worker and PostgreSQL differ a little. */
const MIN_DEFER_MS = 500;


function deadLetter(job: FnsJobRef, error: FnsError): DeadLetterInput {
  return deadLetterOf(QueueNames.fns, job, error);
}

function toFnsError(e: unknown): FnsError {
  if (isFnsError(e)) return e;
  return new FnsError(FnsErrorCodes.FNS_UNAVAILABLE, `FNS client failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** Sends, splitting around documents the FNS refused; fills `out` with one delivery per submission. */
async function deliver(client: FnsClient, subs: readonly FnsDocumentSubmission[], out: Map<string, Delivery>): Promise<void> {
  if (subs.length === 0) return;
  let answers: readonly FnsDocumentResult[];
  try {
    answers = (await client.send(subs)).documents;
  } catch (e) {
    const error = toFnsError(e);
    if (error.code === FnsErrorCodes.FNS_BAD_REQUEST && subs.length > 1 && (await deliverAround(client, subs, error, out))) return;
    for (const s of subs) out.set(documentKey(s.fn, s.fd), { error, sent: error.requestSent });
    return;
  }
  const byKey = new Map(answers.map((a) => [documentKey(a.fn, a.fd), a]));
  for (const s of subs) {
    const answer = byKey.get(documentKey(s.fn, s.fd));
    out.set(
      documentKey(s.fn, s.fd),
      answer ? { answer } : { error: new FnsError(FnsErrorCodes.FNS_NO_ANSWER, `FNS answered the batch but not (${s.fn}, ${s.fd})`), sent: true },
    );
  }
}

/**
 * A 400 for several documents: the culprits it names are refused and the rest sent again; naming none, the batch is
 * bisected. False when every document is named (they all fail with the 400).
 */
async function deliverAround(client: FnsClient, subs: readonly FnsDocumentSubmission[], error: FnsError, out: Map<string, Delivery>): Promise<boolean> {
  const blamed = new Map((error.documents ?? []).map((d) => [documentKey(d.fn, d.fd), d]));
  const culprits = subs.filter((s) => blamed.has(documentKey(s.fn, s.fd)));
  if (culprits.length > 0 && culprits.length < subs.length) {
    for (const s of culprits) {
      const d = blamed.get(documentKey(s.fn, s.fd))!;
      out.set(documentKey(s.fn, s.fd), {
        error: new FnsError(FnsErrorCodes.FNS_BAD_REQUEST, `FNS refused the document: ${d.code}: ${d.message}`, { ...statusOf(error), documents: [d] }),
        sent: true,
      });
    }
    await deliver(
      client,
      subs.filter((s) => !blamed.has(documentKey(s.fn, s.fd))),
      out,
    );
    return true;
  }
  if (culprits.length === 0) {
    const mid = Math.ceil(subs.length / 2);
    await deliver(client, subs.slice(0, mid), out);
    await deliver(client, subs.slice(mid), out);
    return true;
  }
  return false;
}

/** One batch's state: the jobs, their outcomes so far, the jobs of each document, each document's result. */
interface Batch {
  readonly jobs: readonly FnsJobRef[];
  readonly outcomes: (FnsJobOutcome | undefined)[];
  readonly byKey: Map<string, KeyJobs>;
  readonly results: Map<string, KeyResult>;
}

/** Valid jobs grouped by document; invalid ones dead at once (FNS_BAD_JOB). */
async function groupJobs(db: Kysely<Database>, jobs: readonly FnsJobRef[]): Promise<Batch> {
  const batch: Batch = { jobs, outcomes: new Array<FnsJobOutcome | undefined>(jobs.length), byKey: new Map(), results: new Map() };
  const badLetters: DeadLetterInput[] = [];
  jobs.forEach((job, i) => {
    const parsed = fnsJobSchema.safeParse(job.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const error = new FnsError(FnsErrorCodes.FNS_BAD_JOB, `invalid fns job: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown'}`, {
        requestSent: false,
      });
      batch.outcomes[i] = { kind: 'dead', error };
      badLetters.push(deadLetter(job, error));
      return;
    }
    const key = documentKey(parsed.data.fn, parsed.data.fd);
    const entry = batch.byKey.get(key);
    if (entry) entry.indexes.push(i);
    else batch.byKey.set(key, { fn: parsed.data.fn, fd: parsed.data.fd, indexes: [i] });
  });
  if (badLetters.length > 0) await recordDeadLetters(db, badLetters);
  return batch;
}

/**
 * Documents the FNS answered already, or another worker holds: stored (no send) or in flight (deferred). Read after the
 * claim, so an answer committed while this batch claimed is seen: a claimed document found answered is not sent (its
 * lease is released with the outcomes).
 */
async function settleAnsweredOrHeld(db: Kysely<Database>, batch: Batch, found: readonly KeyJobs[], claimed: Set<string>, leaseMs: number): Promise<void> {
  if (found.length === 0) return;
  const answers = await findFnsAnswers(db, found);
  const held = found.filter((k) => !claimed.has(documentKey(k.fn, k.fd)) && !answers.has(documentKey(k.fn, k.fd)));
  const leaseEnds = await findFnsLeaseEnds(db, held);
  for (const [key, row] of answers) batch.results.set(key, { kind: 'stored', status: row.status as FnsStatus, errors: fnsErrorsOf(row) });
  for (const k of held) {
    const until = leaseEnds.get(documentKey(k.fn, k.fd))?.getTime() ?? Date.now();
    batch.results.set(documentKey(k.fn, k.fd), { kind: 'in_flight', delayMs: Math.min(leaseMs, Math.max(MIN_DEFER_MS, until - Date.now())) });
  }
}

/** Reads the stored containers, claims the send leases and builds the submissions of the documents claimed. */
async function claim(
  db: Kysely<Database>,
  batch: Batch,
  owner: string,
  leaseMs: number,
): Promise<{ stored: Map<string, StoredContainer>; submissions: FnsDocumentSubmission[]; leased: KeyJobs[] }> {
  const keys = [...batch.byKey.values()];
  const stored = await readStoredContainers(db, keys);
  for (const k of keys) {
    if (!stored.has(documentKey(k.fn, k.fd))) {
      const error = new FnsError(FnsErrorCodes.FNS_DOCUMENT_NOT_FOUND, `no stored document (${k.fn}, ${k.fd})`, { requestSent: false });
      batch.results.set(documentKey(k.fn, k.fd), { kind: 'failed', error });
    }
  }
  const found = keys.filter((k) => stored.has(documentKey(k.fn, k.fd)));
  const claimed = await claimForFns(db, found, leaseMs, owner);
  await settleAnsweredOrHeld(db, batch, found, claimed, leaseMs);
  const submissions: FnsDocumentSubmission[] = [];
  for (const k of found) {
    const key = documentKey(k.fn, k.fd);
    if (!claimed.has(key) || batch.results.has(key)) continue;
    try {
      const s = stored.get(key)!;
      if (s.unreadable) throw s.unreadable;
      submissions.push(buildSubmission(k.fn, k.fd, s.rawContainer));
    } catch (e) {
      batch.results.set(key, { kind: 'failed', error: toFnsError(e) });
    }
  }
  return { stored, submissions, leased: found.filter((k) => claimed.has(documentKey(k.fn, k.fd))) };
}

interface SettleContext {
  readonly deps: FnsProcessorDeps;
  readonly batch: Batch;
  readonly records: FnsOutcomeRecord[];
  readonly sentAt: Date;
}

/** A document that failed: rate limited, retrying while its jobs have attempts left, else dead (dead letters). */
async function settleFailure(c: SettleContext, k: KeyJobs, base: Pick<FnsOutcomeRecord, 'fn' | 'fd' | 'receivedAt'>, error: FnsError, sent: boolean): Promise<void> {
  const { deps, batch, records } = c;
  const jobsOfKey = k.indexes.map((i) => ({ i, job: batch.jobs[i]! }));
  const recordBase = { ...base, sentAt: sent ? c.sentAt : undefined, errorCode: error.code, error: error.message };
  if (error.retryable && error.code === FnsErrorCodes.FNS_RATE_LIMITED && error.retryAfterMs !== undefined) {
    records.push({ ...recordBase, kind: 'retrying' });
    deps.metrics?.forward.total.inc({ target: TARGET, result: 'retry' });
    for (const { i } of jobsOfKey) batch.outcomes[i] = { kind: 'rate_limited', error, retryAfterMs: error.retryAfterMs };
    return;
  }
  const finals = jobsOfKey.filter(({ job }) => !error.retryable || job.attempt >= job.maxAttempts);
  if (finals.length === jobsOfKey.length) {
    records.push({ ...recordBase, kind: 'dead', deadLetter: deadLetter(finals[0]!.job, error) });
    for (const { job } of finals.slice(1)) await recordDeadLetters(deps.db, [deadLetter(job, error)]);
  } else {
    records.push({ ...recordBase, kind: 'retrying' });
    if (finals.length > 0) await recordDeadLetters(deps.db, finals.map(({ job }) => deadLetter(job, error)));
  }
  deps.metrics?.forward.total.inc({ target: TARGET, result: finals.length === jobsOfKey.length ? 'failed' : 'retry' });
  for (const { i, job } of jobsOfKey) {
    const final = !error.retryable || job.attempt >= job.maxAttempts;
    batch.outcomes[i] = final ? { kind: 'dead', error } : { kind: 'retry', error };
    if (final) deps.logger.warn({ fn: k.fn, fd: k.fd, jobId: job.id, code: error.code, err: error.message }, 'FNS delivery parked as dead letter');
  }
}

/** The outcome of every job of one document, and the record of its FNS outcome. */
async function settleKey(c: SettleContext, k: KeyJobs, result: KeyResult, doc: StoredContainer | undefined): Promise<void> {
  const { batch } = c;
  const base = { fn: k.fn, fd: k.fd, receivedAt: doc?.receivedAt };
  if (result.kind === 'stored') {
    for (const i of k.indexes) batch.outcomes[i] = { kind: 'answered', status: result.status, errors: result.errors, sent: false };
    return;
  }
  if (result.kind === 'in_flight') {
    const error = new FnsError(FnsErrorCodes.FNS_IN_FLIGHT, `(${k.fn}, ${k.fd}) is being sent by another worker`, { requestSent: false });
    for (const i of k.indexes) batch.outcomes[i] = { kind: 'deferred', error, delayMs: result.delayMs };
    return;
  }
  if (result.kind === 'delivered' && 'answer' in result.delivery) {
    const { status, errors, duplicate } = result.delivery.answer;
    c.records.push({ ...base, kind: 'answered', sentAt: c.sentAt, status, errors: errors.map((e) => ({ ...e })), duplicate });
    c.deps.metrics?.forward.total.inc({ target: TARGET, result: FORWARD_RESULT[status] });
    for (const i of k.indexes) batch.outcomes[i] = { kind: 'answered', status, errors, sent: true };
    return;
  }
  const failure = result.kind === 'failed' ? { error: result.error, sent: false } : result.delivery;
  if (!('error' in failure)) return;
  await settleFailure(c, k, base, failure.error, failure.sent);
}

export function createFnsProcessor(deps: FnsProcessorDeps): FnsProcessor {
  const { db, client } = deps;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const leaseVacuum = createLeaseVacuum(db, deps.logger, deps.leaseVacuumMs);

  return async function processFnsBatch(jobs) {
    const batch = await groupJobs(db, jobs);
    const owner = randomUUID();
    const { stored, submissions, leased } = await claim(db, batch, owner, leaseMs);

    const sentAt = new Date();
    const deliveries = new Map<string, Delivery>();
    for (let i = 0; i < submissions.length; i += FNS_MAX_DOCUMENTS) await deliver(client, submissions.slice(i, i + FNS_MAX_DOCUMENTS), deliveries);
    for (const [key, delivery] of deliveries) batch.results.set(key, { kind: 'delivered', delivery });

    const c: SettleContext = { deps, batch, records: [], sentAt };
    for (const [key, k] of batch.byKey) {
      const result = batch.results.get(key);
      if (result) await settleKey(c, k, result, stored.get(key));
    }
    await recordFnsOutcomes(db, owner, c.records, leased);
    leaseVacuum.afterBatch();
    deps.logger.debug({ jobs: jobs.length, sent: submissions.length, recorded: c.records.length }, 'fns batch done');

    return batch.outcomes.map(
      (o) => o ?? { kind: 'retry', error: new FnsError(FnsErrorCodes.FNS_NO_ANSWER, 'no outcome for the job', { requestSent: false }) },
    );
  };
}

function statusOf(error: FnsError): { status?: number } {
  return error.status === undefined ? {} : { status: error.status };
}
