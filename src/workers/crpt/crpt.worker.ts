/**
 * BullMQ wiring of the crpt processor (crpt.processor.ts: what a sale does, its outcomes): a Worker on `crpt`, the
 * HTTP client it builds (or the one it is given), and the jobs → sales → BullMQ mapping (crpt-jobs.ts: batch jobs of
 * the persist worker, one-sale jobs of replays and of the marking listener).
 */
import { Queue, Worker } from 'bullmq';
import type { Kysely } from 'kysely';
import { CrptError, CrptErrorCodes } from '../../adapters/crpt/errors.js';
import { createHttpCrptClient, type CrptClient, type HttpCrptClientOptions } from '../../adapters/crpt/http-crpt-client.js';
import { createRsaCmsSigner, generateDevRsaKey, type Signer } from '../../adapters/crpt/signer.js';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { DEFAULT_SALE_RETRY } from '../../queue/crpt-jobs.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import type { DocumentRetryPolicy } from '../../queue/item-retry.js';
import { QueueNames } from '../../queue/queue-names.js';
import { closeRedis, createWorkerRedis } from '../../queue/redis-connection.js';
import { FetchGate, pauseControls, type PauseControls } from '../shared/fetch-gate.js';
import { lockOptions } from '../shared/job-ref.js';
import { createLimiter } from '../shared/limiter.js';
import { createCrptJobHandler, parkStalledCrptJobs, type CrptJobHandle } from './crpt-jobs.js';
import { createCrptProcessor } from './crpt.processor.js';

export const DEFAULT_CRPT_CONCURRENCY = 20;

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
  /** Jobs at once, and sales in flight at once across them (a batch job's sales share the same slots). */
  readonly concurrency?: number;
  /** Attempts and backoff per sale of a batch job (default: JOB_OPTIONS.crpt's, what a one-sale job gets). */
  readonly saleRetry?: Partial<DocumentRetryPolicy>;
  readonly leaseMs?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
}

/** pause/resume (PauseControls): stops fetching jobs — the ones held finish, the rest wait in Redis — until resume (forwarding-yield.ts). */
export interface CrptWorker extends PauseControls {
  close(): Promise<void>;
}

function crptClientOf(options: CrptWorkerOptions, log: Logger): { client: CrptClient; owned: boolean } {
  if (options.client) return { client: options.client, owned: false };
  if (!options.crptUrl) {
    throw new CrptError(CrptErrorCodes.CRPT_NOT_CONFIGURED, 'the crpt worker needs CRPT_URL (crptUrl) or a client', { requestSent: false });
  }
  const client = createHttpCrptClient({
    ...options.clientOptions,
    url: options.crptUrl,
    signer: options.signer ?? createRsaCmsSigner(generateDevRsaKey()),
    logger: log,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  return { client, owned: true };
}

export function startCrptWorker(options: CrptWorkerOptions): CrptWorker {
  const { db, metrics } = options;
  const queue = QueueNames.crpt;
  const log = options.logger.child({ role: 'worker', queue });
  const { client, owned } = crptClientOf(options, log);
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

  // Sales to try again go back as batch jobs through this queue, with the queue's job options (attempts for the batch
  // job itself: a PostgreSQL failure retries it whole), on a connection of its own as the fns worker's.
  const queueConnection = createWorkerRedis(options.redisUrl, { connectionName: `${options.prefix}:worker:crpt:control` });
  queueConnection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  const queueHandle = new Queue(queue, { connection: queueConnection, prefix: options.prefix, defaultJobOptions: JOB_OPTIONS.crpt });
  queueHandle.on('error', (e: Error) => log.warn({ err: e.message }, 'queue error'));
  const retry: DocumentRetryPolicy = { ...DEFAULT_SALE_RETRY, ...options.saleRetry };
  const concurrency = options.concurrency ?? DEFAULT_CRPT_CONCURRENCY;
  // A job handed over while paused waits here (forwarding-yield.ts).
  const gate = new FetchGate();
  let closing: Promise<void> | undefined;
  const handleJob = createCrptJobHandler({
    db,
    log,
    metrics,
    queue: queueHandle,
    process: processJob,
    retry,
    limit: createLimiter(concurrency),
    paused: () => gate.pass(),
    closing: () => closing !== undefined,
  });
  const handle = async (job: CrptJobHandle, token: string | undefined): Promise<unknown> => {
    const end = metrics?.worker.jobDuration.startTimer({ queue });
    try {
      return await handleJob(job, token);
    } finally {
      end?.();
    }
  };
  const worker = new Worker<unknown, unknown, string>(queue, gate.guard(handle), {
    connection,
    prefix: options.prefix,
    concurrency,
    ...lockOptions(options),
  });
  worker.on('error', (e: Error) => log.error({ err: e.message }, 'worker error'));
  const stallParking = new Set<Promise<void>>();
  worker.on('failed', (job, error) => {
    if (!job) return;
    // Kept until it ends: close() waits for it before closing the queue it may add to.
    const parking = parkStalledCrptJobs({ db, log, metrics, retry, queue: queueHandle }, job, error);
    stallParking.add(parking);
    void parking.finally(() => stallParking.delete(parking));
  });

  return {
    ...pauseControls(worker, gate, () => closing !== undefined),
    close: () =>
      (closing ??= (async () => {
        gate.open();
        await worker.close();
        await Promise.allSettled([...stallParking]);
        await queueHandle.close().catch(() => undefined);
        if (owned) await client.close();
        await Promise.all([closeRedis(connection), closeRedis(queueConnection)]);
      })()),
  };
}
