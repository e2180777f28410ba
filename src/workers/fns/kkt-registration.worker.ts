/**
 * Wiring of the fns-kkt worker (kkt-registration.processor.ts): a BullMQ Worker on `fns-kkt`, jobs `{ applicationId }`
 * with ids `kkt-<id>-<status>` (one per application step: a step queued twice is one job). While the FNS is still
 * deciding, the job delays itself (no attempt used) and asks again after `pollIntervalMs`. A sweep every
 * `sweepIntervalMs` queues a step for every application that is not in a final status — after a restart, after a
 * registration report moved one to report_received in the persist transaction, or when the API's enqueue was lost —
 * so PostgreSQL, not Redis, is the record of what is left to do.
 */
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import type { FnsKktClient } from '../../adapters/fns-kkt/fns-kkt-api.js';
import type { Database } from '../../db/database.js';
import { pendingKktApplications } from '../../db/worker-sweeps.repository.js';
import type { Logger } from '../../observability/logger.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import { JobNames } from '../../queue/jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { closeRedis, createProducerRedis, createWorkerRedis } from '../../queue/redis-connection.js';
import { createKktRegistrationProcessor } from './kkt-registration.processor.js';

export interface FnsKktWorkerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly db: Kysely<Database>;
  readonly client: FnsKktClient;
  readonly operatorInn: string;
  readonly operatorKpp?: string;
  readonly logger: Logger;
  /** How often to ask the FNS while it decides. Default 30 000 ms. */
  readonly pollIntervalMs?: number;
  /** How often to look for applications with a step to do. Default 10 000 ms. */
  readonly sweepIntervalMs?: number;
}

export interface FnsKktWorker {
  /** Queues the next step of an application now (the API calls it after signing). */
  enqueue(applicationId: number, status: string): Promise<void>;
  close(): Promise<void>;
}

const PENDING_STATUSES = ['signed', 'sent', 'accepted', 'report_received'] as const;

export const kktJobId = (applicationId: number, status: string): string => `kkt-${applicationId}-${status}`;

/** A producer for the API role (it queues the first step after signing). */
export function createFnsKktQueue(redisUrl: string, prefix: string): { enqueue(applicationId: number, status: string): Promise<void>; close(): Promise<void> } {
  const connection = createProducerRedis(redisUrl, { connectionName: `${prefix}:producer:fns-kkt` });
  const queue = new Queue(QueueNames.fnsKkt, { connection, prefix, defaultJobOptions: JOB_OPTIONS['fns-kkt'] });
  return {
    async enqueue(applicationId, status) {
      await queue.add(JobNames['fns-kkt'], { applicationId }, { jobId: kktJobId(applicationId, status) });
    },
    async close() {
      await queue.close();
      await closeRedis(connection);
    },
  };
}

export function startFnsKktWorker(options: FnsKktWorkerOptions): FnsKktWorker {
  const log = options.logger.child({ role: 'worker', queue: QueueNames.fnsKkt });
  const pollIntervalMs = options.pollIntervalMs ?? 30_000;
  const step = createKktRegistrationProcessor({ db: options.db, client: options.client, operatorInn: options.operatorInn, operatorKpp: options.operatorKpp ?? '000000000' });
  const producer = createFnsKktQueue(options.redisUrl, options.prefix);
  const connection = createWorkerRedis(options.redisUrl, { connectionName: `${options.prefix}:worker:fns-kkt` });
  connection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));

  async function handle(job: Job<{ applicationId?: unknown }>, token: string | undefined): Promise<{ outcome: string }> {
    const id = Number(job.data.applicationId);
    if (!Number.isSafeInteger(id) || id <= 0) return { outcome: 'bad-payload' };
    const outcome = await step(id);
    if (outcome === 'wait') {
      await job.moveToDelayed(Date.now() + pollIntervalMs, token);
      throw new DelayedError('the FNS is still deciding');
    }
    return { outcome };
  }

  const worker = new Worker(QueueNames.fnsKkt, handle, { connection, prefix: options.prefix, concurrency: 4 });
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, err: err.message }, 'fns-kkt step failed'));
  worker.on('error', (err) => log.warn({ err: err.message }, 'fns-kkt worker error'));

  async function sweep(): Promise<void> {
    const rows = await pendingKktApplications(options.db, PENDING_STATUSES, 1000);
    for (const r of rows) await producer.enqueue(r.id, r.status);
  }
  let sweeping: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    sweeping = sweep().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'fns-kkt sweep failed'));
  }, options.sweepIntervalMs ?? 10_000);
  timer.unref();
  sweeping = sweep().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'fns-kkt sweep failed'));

  let closing: Promise<void> | undefined;
  return {
    enqueue: producer.enqueue,
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        await sweeping;
        await worker.close();
        await producer.close();
        await closeRedis(connection);
      })();
      return closing;
    },
  };
}
