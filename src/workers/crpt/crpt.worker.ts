/**
 * The crpt worker (issue 5): a BullMQ Worker on `crpt` that sends each sale — a stored receipt with marking codes, or a
 * form-82 sale notification from the marking channel — to CRPT once, and keeps each code's stage in crpt_code_status:
 *
 *   checked (2106/2107 or 2004 as the register recorded them) → delivered → crpt_answered (CRPT's status of the code)
 *
 * Per job:
 *   payload bad / document not stored            → dead at once (dead_letters), UnrecoverableError
 *   no marking codes                              → completed, nothing sent
 *   sale delivered already (crpt_sales)           → completed, nothing sent (a re-delivered or replayed job)
 *   another worker holds the send lease           → delayed until the lease ends, no attempt used
 *   CRPT answered                                 → delivered, codes get CRPT's statuses, ofd_forward_total{crpt,ok}
 *   retryable failure, attempts left              → crpt_sales 'retrying', the job fails, BullMQ retries with backoff
 *   terminal failure or out of attempts           → crpt_sales 'dead' + dead letter (one transaction), UnrecoverableError
 *
 * Exactly once as far as it goes: a sale is sent only under a live lease and never after its answer is stored; the
 * window left (CRPT processed it, the answer was not stored) is closed by CRPT's idempotency on saleId.
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { decodeContainer } from '../../../protocol/container.js';
import { saleId, type CrptSale, type SaleSource } from '../../adapters/crpt/crpt-api.js';
import { CrptError, CrptErrorCodes, isCrptError } from '../../adapters/crpt/errors.js';
import { createHttpCrptClient, type CrptClient, type HttpCrptClientOptions } from '../../adapters/crpt/http-crpt-client.js';
import { createRsaCmsSigner, generateDevRsaKey, type Signer } from '../../adapters/crpt/signer.js';
import type { JsonObject } from '../../db/column-types.js';
import { claimCrptSale, readReceiptSale, recordCrptDelivered, recordCrptFailure, type SaleCodeInput, type SaleKey } from '../../db/crpt-status.repository.js';
import type { Database } from '../../db/database.js';
import { recordDeadLetters } from '../../db/dead-letters.repository.js';
import { jobLogger, type Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import { QueueNames } from '../../queue/queue-names.js';
import { closeRedis, createWorkerRedis } from '../../queue/redis-connection.js';
import { parseSaleNotification } from '../../marking/marking-forms.js';
import { CRPT_NOTIFICATION_JOB, crptNotificationJobSchema, crptReceiptJobSchema } from '../../queue/crpt-jobs.js';

export const DEFAULT_CRPT_CONCURRENCY = 20;
/** Longer than the client's worst case (3 attempts × 10 s + backoff). */
export const DEFAULT_CRPT_LEASE_MS = 60_000;

export interface CrptJobRef {
  readonly id: string | undefined;
  readonly name: string;
  readonly data: unknown;
  readonly attempt: number;
  readonly maxAttempts: number;
}

export type CrptJobOutcome =
  | { readonly kind: 'delivered'; readonly sent: boolean; readonly codes: number }
  | { readonly kind: 'nothing' }
  | { readonly kind: 'retry'; readonly error: CrptError }
  | { readonly kind: 'deferred'; readonly delayMs: number }
  | { readonly kind: 'dead'; readonly error: CrptError };

export interface CrptProcessorDeps {
  readonly db: Kysely<Database>;
  readonly client: CrptClient;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly leaseMs?: number;
  readonly operatorInn?: string;
}

interface BuiltSale {
  readonly key: SaleKey;
  readonly codes: readonly SaleCodeInput[];
  readonly operationType: number | null;
  readonly receiptCheckResult: number | null;
}

function asPayload(data: unknown): JsonObject {
  return data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as JsonObject) : {};
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
  const data = await readReceiptSale(db, p.data.fn, p.data.fd);
  if (!data) return new CrptError(CrptErrorCodes.CRPT_DOCUMENT_NOT_FOUND, `no stored document (${p.data.fn}, ${p.data.fd})`, { requestSent: false });
  if (data.codes.length === 0) return undefined;
  return { key: { source: 'receipt', fn: p.data.fn, fd: p.data.fd }, ...data };
}

export function createCrptProcessor(deps: CrptProcessorDeps): (job: CrptJobRef) => Promise<CrptJobOutcome> {
  const { db, client, metrics } = deps;
  const leaseMs = deps.leaseMs ?? DEFAULT_CRPT_LEASE_MS;
  const owner = `crpt-${randomUUID()}`;

  async function fail(job: CrptJobRef, key: SaleKey | undefined, error: CrptError): Promise<CrptJobOutcome> {
    const dead = !error.retryable || job.attempt >= job.maxAttempts;
    const deadLetter = {
      queue: QueueNames.crpt,
      jobId: job.id ?? '',
      jobName: job.name,
      payload: asPayload(job.data),
      errorCode: error.code,
      errorMessage: error.message,
      attempts: job.attempt,
    };
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

  return async function processCrptJob(job) {
    const built = await buildSale(db, job);
    if (built === undefined) return { kind: 'nothing' };
    if (built instanceof CrptError) return fail(job, undefined, built);
    const { key, codes } = built;
    if (codes.length === 0) return { kind: 'nothing' };
    const claim = await claimCrptSale(db, key, codes, built.receiptCheckResult, leaseMs, owner);
    if (claim.kind === 'delivered') return { kind: 'delivered', sent: false, codes: codes.length };
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
      return fail(job, key, error);
    }
    await recordCrptDelivered(db, key, answer);
    metrics?.forward.total.inc({ target: 'crpt', result: 'ok' });
    return { kind: 'delivered', sent: true, codes: codes.length };
  };
}

export interface CrptWorkerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** CRPT_URL; the worker builds the HTTP client (and closes it). Required unless `client` is given. */
  readonly crptUrl?: string;
  /** Signs the auth challenge. Default: a throw-away RSA key and self-signed certificate (development only). */
  readonly signer?: Signer;
  readonly clientOptions?: Omit<HttpCrptClientOptions, 'url' | 'signer' | 'metrics' | 'logger'>;
  /** A client the caller owns; takes precedence over crptUrl and is not closed. */
  readonly client?: CrptClient;
  readonly operatorInn?: string;
  readonly concurrency?: number;
  readonly leaseMs?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
}

export interface CrptWorker {
  close(): Promise<void>;
}

type CrptJobHandle = Job<unknown, { status: string; sent: boolean }, string>;

export function startCrptWorker(options: CrptWorkerOptions): CrptWorker {
  const { db, metrics } = options;
  const log = options.logger.child({ role: 'worker', queue: QueueNames.crpt });
  let ownedClient: CrptClient | undefined;
  let client: CrptClient;
  if (options.client) client = options.client;
  else if (options.crptUrl) {
    ownedClient = createHttpCrptClient({
      ...options.clientOptions,
      url: options.crptUrl,
      signer: options.signer ?? createRsaCmsSigner(generateDevRsaKey()),
      logger: log,
      ...(metrics ? { metrics } : {}),
    });
    client = ownedClient;
  } else {
    throw new CrptError(CrptErrorCodes.CRPT_NOT_CONFIGURED, 'the crpt worker needs CRPT_URL (crptUrl) or a client', { requestSent: false });
  }
  const processJob = createCrptProcessor({
    db,
    client,
    logger: log,
    ...(metrics ? { metrics } : {}),
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    ...(options.operatorInn ? { operatorInn: options.operatorInn } : {}),
  });

  const connection = createWorkerRedis(options.redisUrl, { connectionName: `${options.prefix}:worker:crpt` });
  connection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));

  async function handle(job: CrptJobHandle, token: string | undefined): Promise<{ status: string; sent: boolean }> {
    const jlog = jobLogger(log, { queue: QueueNames.crpt, jobId: job.id, attempt: job.attemptsMade + 1 });
    const end = metrics?.worker.jobDuration.startTimer({ queue: QueueNames.crpt });
    try {
      const outcome = await processJob({
        id: job.id,
        name: job.name,
        data: job.data,
        attempt: job.attemptsMade + 1,
        maxAttempts: job.opts.attempts ?? JOB_OPTIONS.crpt.attempts ?? 1,
      });
      switch (outcome.kind) {
        case 'nothing':
          metrics?.worker.jobs.inc({ queue: QueueNames.crpt, result: 'completed' });
          return { status: 'no_codes', sent: false };
        case 'delivered':
          metrics?.worker.jobs.inc({ queue: QueueNames.crpt, result: 'completed' });
          return { status: 'delivered', sent: outcome.sent };
        case 'deferred':
          await job.moveToDelayed(Date.now() + outcome.delayMs, token);
          throw new DelayedError('another worker holds the send lease');
        case 'retry':
          metrics?.worker.jobs.inc({ queue: QueueNames.crpt, result: 'failed' });
          jlog.debug({ code: outcome.error.code, err: outcome.error.message }, 'crpt job will be retried');
          throw outcome.error;
        case 'dead':
          metrics?.worker.jobs.inc({ queue: QueueNames.crpt, result: 'dead' });
          jlog.warn({ code: outcome.error.code, err: outcome.error.message }, 'crpt job dead-lettered');
          throw new UnrecoverableError(`${outcome.error.code}: ${outcome.error.message}`);
      }
      throw new Error('unknown crpt job outcome');
    } finally {
      end?.();
    }
  }

  const worker = new Worker<unknown, { status: string; sent: boolean }, string>(QueueNames.crpt, handle, {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? DEFAULT_CRPT_CONCURRENCY,
    ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
  });
  worker.on('error', (e: Error) => log.error({ err: e.message }, 'worker error'));

  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        await worker.close();
        await ownedClient?.close();
        await closeRedis(connection);
      })()),
  };
}
