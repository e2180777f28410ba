/**
 * BullMQ wiring of the crpt processor (crpt.processor.ts: what a job does, its outcomes): a Worker on `crpt`, the
 * HTTP client it builds (or the one it is given), and the outcome → BullMQ mapping (../shared/job-outcome.ts).
 */
import { Worker, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { CrptError, CrptErrorCodes } from '../../adapters/crpt/errors.js';
import { createHttpCrptClient, type CrptClient, type HttpCrptClientOptions } from '../../adapters/crpt/http-crpt-client.js';
import { createRsaCmsSigner, generateDevRsaKey, type Signer } from '../../adapters/crpt/signer.js';
import type { Database } from '../../db/database.js';
import { jobLogger, type Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import { QueueNames } from '../../queue/queue-names.js';
import { closeRedis, createWorkerRedis } from '../../queue/redis-connection.js';
import { FetchGate, pauseControls, type PauseControls } from '../shared/fetch-gate.js';
import { jobRefOf, lockOptions } from '../shared/job-ref.js';
import { countCompleted, throwForOutcome, type OutcomeContext } from '../shared/job-outcome.js';
import { createCrptProcessor } from './crpt.processor.js';
import { parkStalledCrptJob } from './crpt-stalled.js';

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
  readonly concurrency?: number;
  readonly leaseMs?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
}

/** pause/resume (PauseControls): stops fetching jobs — the ones held finish, the rest wait in Redis — until resume (forwarding-yield.ts). */
export interface CrptWorker extends PauseControls {
  close(): Promise<void>;
}

type CrptJobHandle = Job<unknown, { status: string; sent: boolean }, string>;

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

  async function handle(job: CrptJobHandle, token: string | undefined): Promise<{ status: string; sent: boolean }> {
    const ctx: OutcomeContext = { queue, metrics, log: jobLogger(log, { queue, jobId: job.id, attempt: job.attemptsMade + 1 }) };
    const end = metrics?.worker.jobDuration.startTimer({ queue });
    try {
      const outcome = await processJob(jobRefOf(job, JOB_OPTIONS.crpt.attempts ?? 1));
      if (outcome.kind === 'nothing' || outcome.kind === 'delivered') {
        countCompleted(ctx);
        return outcome.kind === 'nothing' ? { status: 'no_codes', sent: false } : { status: 'delivered', sent: outcome.sent };
      }
      if (outcome.kind === 'deferred') return await throwForOutcome(ctx, job, token, { ...outcome, reason: 'another worker holds the send lease' });
      return await throwForOutcome(ctx, job, token, outcome.kind === 'dead' ? { ...outcome, logDead: true } : outcome);
    } finally {
      end?.();
    }
  }

  // A job handed over while paused waits here (forwarding-yield.ts).
  const gate = new FetchGate();
  const worker = new Worker<unknown, { status: string; sent: boolean }, string>(queue, gate.guard(handle), {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? DEFAULT_CRPT_CONCURRENCY,
    ...lockOptions(options),
  });
  worker.on('error', (e: Error) => log.error({ err: e.message }, 'worker error'));
  worker.on('failed', (job, error) => {
    if (job) void parkStalledCrptJob({ db, log, metrics }, job, error);
  });

  let closing: Promise<void> | undefined;
  return {
    ...pauseControls(worker, gate, () => closing !== undefined),
    close: () =>
      (closing ??= (async () => {
        gate.open();
        await worker.close();
        if (owned) await client.close();
        await closeRedis(connection);
      })()),
  };
}
