/**
 * The crpt processor (issue 5), BullMQ-free (its wiring: crpt.worker.ts): it sends each sale — a stored receipt with marking codes, or a
 * form-82 sale notification from the marking channel — to CRPT once, and keeps each code's stage in crpt_code_status:
 *
 *   checked (2106/2107 or 2004 as the register recorded them) → delivered → crpt_answered (CRPT's status of the code)
 *
 * Per job:
 *   payload bad / document not stored            → dead at once (dead_letters), UnrecoverableError
 *   no marking codes                              → completed, nothing sent
 *   sale delivered already (crpt_sales)           → completed, nothing sent (a re-delivered or replayed job)
 *   sale parked already, a batch job's sale       → completed, nothing sent (the batch ran again; a replay revives it)
 *   another worker holds the send lease           → delayed until the lease ends, no attempt used
 *   CRPT answered                                 → delivered, codes get CRPT's statuses, ofd_forward_total{crpt,ok}
 *   retryable failure, attempts left              → crpt_sales 'retrying', the job fails, BullMQ retries with backoff
 *   terminal failure or out of attempts           → crpt_sales 'dead' + dead letter (one transaction), UnrecoverableError
 *
 * Exactly once as far as it goes: a sale is sent only under a live lease and never after its answer is stored; the
 * window left (CRPT processed it, the answer was not stored) is closed by CRPT's idempotency on saleId.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { decodeContainer } from '../../../protocol/container.js';
import { saleId, type CrptSale, type SaleSource } from '../../adapters/crpt/crpt-api.js';
import { CrptError, CrptErrorCodes, isCrptError } from '../../adapters/crpt/errors.js';
import type { CrptClient } from '../../adapters/crpt/http-crpt-client.js';
import { claimCrptSale, readReceiptSale, recordCrptDelivered, recordCrptFailure, type SaleCodeInput, type SaleKey } from '../../db/crpt-status.repository.js';
import type { Database } from '../../db/database.js';
import { recordDeadLetters } from '../../db/dead-letters.repository.js';
import { CRPT_NOTIFICATION_JOB, crptNotificationJobSchema, crptReceiptJobSchema } from '../../queue/crpt-jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { receivedAtOfHint } from '../../queue/received-at-hint.js';
import { deadLetterOf, type FailedOutcome, type JobRef, type SendingProcessorDeps } from '../shared/job-ref.js';
import { parseSaleNotification } from '../../../protocol/marking-forms.js';

/** Longer than the client's worst case (3 attempts × 10 s + backoff). */
export const DEFAULT_CRPT_LEASE_MS = 60_000;

export interface CrptJobRef extends JobRef {
  /**
   * A sale of a batch job (crpt-jobs.ts). Such a job may run again after some of its sales settled (a crash, a retry
   * after PostgreSQL failed): one found parked ('dead') since is left so, not sent again. A one-sale job — what a
   * replay of its dead letter adds — sends it again.
   */
  readonly fromBatch?: boolean;
}

export type CrptJobOutcome =
  | { readonly kind: 'delivered'; readonly sent: boolean; readonly codes: number }
  | { readonly kind: 'nothing' }
  /** A batch's sale found parked ('dead') already: left so (a replay, a one-sale job, sends it again). */
  | { readonly kind: 'parked' }
  | { readonly kind: 'deferred'; readonly delayMs: number }
  | FailedOutcome<CrptError>;

/** leaseMs defaults to DEFAULT_CRPT_LEASE_MS. */
export interface CrptProcessorDeps extends SendingProcessorDeps<CrptClient> {
  readonly operatorInn?: string;
}

interface BuiltSale {
  readonly key: SaleKey;
  readonly codes: readonly SaleCodeInput[];
  readonly operationType: number | null;
  readonly receiptCheckResult: number | null;
}


async function buildSale(db: Kysely<Database>, job: CrptJobRef): Promise<BuiltSale | CrptError | undefined> {
  if (job.name === CRPT_NOTIFICATION_JOB) {
    const p = crptNotificationJobSchema.safeParse(job.data);
    if (!p.success) return new CrptError(CrptErrorCodes.CRPT_BAD_JOB, `not a notification job: ${p.error.issues[0]?.message ?? ''}`, { requestSent: false });
    let notification;
    try {
      notification = parseSaleNotification(decodeContainer(Buffer.from(p.data.container, 'base64')).document);
    } catch (e) {
      return new CrptError(CrptErrorCodes.CRPT_BAD_JOB, `notification container does not decode: ${(e as Error).message}`, { requestSent: false });
    }
    return {
      key: { source: 'notification', fn: p.data.fn, fd: p.data.notificationNumber },
      operationType: notification.operationKind ?? null,
      receiptCheckResult: null,
      codes: notification.entries.map((e, i) => ({ itemIndex: i, code: e.code, checkResult: e.checkResult ?? null, itemStatus: e.assignedStatus ?? null })),
    };
  }
  const p = crptReceiptJobSchema.safeParse(job.data);
  if (!p.success) return new CrptError(CrptErrorCodes.CRPT_BAD_JOB, `not a crpt job: ${p.error.issues[0]?.message ?? ''}`, { requestSent: false });
  const data = await readReceiptSale(db, p.data.fn, p.data.fd, receivedAtOfHint(p.data.receivedAt));
  if (!data) return new CrptError(CrptErrorCodes.CRPT_DOCUMENT_NOT_FOUND, `no stored document (${p.data.fn}, ${p.data.fd})`, { requestSent: false });
  if (data.codes.length === 0) return undefined;
  return { key: { source: 'receipt', fn: p.data.fn, fd: p.data.fd }, ...data };
}

/** A failed sale: retried while attempts are left and the error allows, else dead (crpt_sales 'dead' + dead letter). */
async function fail(deps: CrptProcessorDeps, job: CrptJobRef, key: SaleKey | undefined, error: CrptError): Promise<CrptJobOutcome> {
const { db, metrics } = deps;
  const dead = !error.retryable || job.attempt >= job.maxAttempts;
  const deadLetter = deadLetterOf(QueueNames.crpt, job, error);
  if (key) {
    await recordCrptFailure(db, key, {
      status: dead ? 'dead' : 'retrying',
      errorCode: error.code,
      error: error.message,
      sent: error.requestSent,
      ...(dead ? { deadLetter } : {}),
    });
  } else if (dead) {
    await recordDeadLetters(db, [deadLetter]);
  }
  metrics?.forward.total.inc({ target: 'crpt', result: dead ? 'failed' : 'retry' });
  return dead ? { kind: 'dead', error } : { kind: 'retry', error };
}

export function createCrptProcessor(deps: CrptProcessorDeps): (job: CrptJobRef) => Promise<CrptJobOutcome> {
  const { db, client, metrics } = deps;
  const leaseMs = deps.leaseMs ?? DEFAULT_CRPT_LEASE_MS;
  const owner = `crpt-${randomUUID()}`;

  return async function processCrptJob(job) {
    const built = await buildSale(db, job);
    if (built === undefined) return { kind: 'nothing' };
    if (built instanceof CrptError) return fail(deps, job, undefined, built);
    const { key, codes } = built;
    if (codes.length === 0) return { kind: 'nothing' };
    const claim = await claimCrptSale(db, key, codes, built.receiptCheckResult, leaseMs, owner, job.fromBatch !== true);
    if (claim.kind === 'delivered') return { kind: 'delivered', sent: false, codes: codes.length };
    if (claim.kind === 'dead') return { kind: 'parked' };
    if (claim.kind === 'in_flight') return { kind: 'deferred', delayMs: claim.delayMs };
    const sale: CrptSale = {
      saleId: saleId(key.source as SaleSource, key.fn, key.fd),
      source: key.source,
      fn: key.fn,
      fd: key.fd,
      ...(deps.operatorInn ? { operatorInn: deps.operatorInn } : {}),
      operationType: built.operationType,
      receiptCheckResult: built.receiptCheckResult,
      codes: codes.map((c) => ({ cis: c.code, checkResult: c.checkResult, itemStatus: c.itemStatus })),
    };
    let answer;
    try {
      answer = await client.submitSale(sale);
    } catch (e) {
      const error = isCrptError(e) ? e : new CrptError(CrptErrorCodes.CRPT_UNAVAILABLE, (e as Error).message, { cause: e });
      return fail(deps, job, key, error);
    }
    await recordCrptDelivered(db, key, answer);
    metrics?.forward.total.inc({ target: 'crpt', result: 'ok' });
    return { kind: 'delivered', sent: true, codes: codes.length };
  };
}
