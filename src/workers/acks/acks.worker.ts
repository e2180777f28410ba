/**
 * The acks worker (issue 13 item 4): a stock BullMQ Worker on `acks` whose processor (acks.processor.ts) records each
 * report of acknowledgements actually written (src/gateway/ack-reports.ts) in document_acks — one insert per report,
 * `on conflict do nothing`, so a report run twice (a retry, a stalled job) writes nothing twice. It does not wait for
 * the documents: an ack that comes before its document waits in document_acks, and the persist worker's insert of the
 * document's key takes it along (migration 0078); one that comes after stays there, and the two meet when read.
 *
 * A PostgreSQL failure fails the job; BullMQ retries it with backoff (JOB_OPTIONS.acks). A malformed entry is skipped
 * and counted in the log, never retried: it cannot get better.
 */
import { Worker, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { QueueNames } from '../../queue/queue-names.js';
import { closeRedis, createWorkerRedis } from '../../queue/redis-connection.js';
import { processAckReport } from './acks.processor.js';

const QUEUE = QueueNames.acks;

export interface AckReportsWorkerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly concurrency?: number;
}

export interface AckReportsWorker {
  close(): Promise<void>;
}

export function startAckReportsWorker(options: AckReportsWorkerOptions): AckReportsWorker {
  const { db, metrics } = options;
  const log = options.logger.child({ role: 'worker', queue: QUEUE });
  const connection = createWorkerRedis(options.redisUrl, { connectionName: `${options.prefix}:worker:acks` });
  connection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));

  async function processJob(job: Job): Promise<{ acks: number; recorded: number; invalid: number }> {
    const end = metrics?.worker.jobDuration.startTimer({ queue: QUEUE });
    try {
      const result = await processAckReport(db, log, job.id, job.data);
      metrics?.worker.jobs.inc({ queue: QUEUE, result: 'completed' });
      return result;
    } catch (e) {
      metrics?.worker.jobs.inc({ queue: QUEUE, result: 'failed' });
      throw e;
    } finally {
      end?.();
    }
  }

  const worker = new Worker(QUEUE, processJob, { connection, prefix: options.prefix, concurrency: options.concurrency ?? 2 });
  worker.on('error', (e: Error) => log.error({ err: e.message }, 'worker error'));
  worker.on('failed', (job, e) => log.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: e.message }, 'ack report not recorded'));

  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        await worker.close();
        await closeRedis(connection);
      })()),
  };
}
