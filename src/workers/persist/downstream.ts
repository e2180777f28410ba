/**
 * The jobs a persist job adds for its stored documents: one `send-batch-to-fns` batch job per ≤ 500 documents
 * (../../queue/fns-jobs.ts), one `send-batch-to-crpt` batch job per ≤ 100 receipts with marking codes
 * (../../queue/crpt-jobs.ts), a `notify` job per receipt with a buyer's contact — under deterministic ids, so a re-run
 * adds nothing twice.
 */
import { Queue } from 'bullmq';
import type { RedisClient } from '../../queue/redis-connection.js';
import type { Logger } from 'pino';
import { CRPT_BATCH_JOB, crptBatchJobId, MAX_CRPT_BATCH_JOB_SALES, type CrptBatchJob, type CrptBatchSale } from '../../queue/crpt-jobs.js';
import { FNS_BATCH_JOB, fnsBatchJobId, MAX_FNS_BATCH_JOB_DOCUMENTS, type FnsBatchDocument, type FnsBatchJob } from '../../queue/fns-jobs.js';
import { notifyJobId } from '../../queue/job-ids.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import { JobNames, type NotifyJob } from '../../queue/jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import type { PersistedJob } from './persist.processor.js';

type BulkJob<T> = { name: string; data: T; opts: { jobId: string } };

export interface Downstream {
  /**
   * Adds the jobs of `stored`: of newly stored documents only, or of every one when `retried` (an earlier run may have
   * committed and died before adding them). `origin` names the persist job (the fns batch jobs' ids derive from it).
   */
  forward(origin: string, stored: readonly PersistedJob[], retried: boolean): Promise<void>;
  close(): Promise<void>;
}

async function addDownstream(queue: Queue, jobs: BulkJob<unknown>[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
}

function fnsBatches(origin: string, fns: readonly FnsBatchDocument[]): BulkJob<FnsBatchJob>[] {
  const batches: BulkJob<FnsBatchJob>[] = [];
  for (let i = 0; i < fns.length; i += MAX_FNS_BATCH_JOB_DOCUMENTS) {
    const documents = fns.slice(i, i + MAX_FNS_BATCH_JOB_DOCUMENTS);
    batches.push({ name: FNS_BATCH_JOB, data: { documents }, opts: { jobId: fnsBatchJobId(origin, documents) } });
  }
  return batches;
}

function crptBatches(origin: string, sales: readonly CrptBatchSale[]): BulkJob<CrptBatchJob>[] {
  const batches: BulkJob<CrptBatchJob>[] = [];
  for (let i = 0; i < sales.length; i += MAX_CRPT_BATCH_JOB_SALES) {
    const batch = sales.slice(i, i + MAX_CRPT_BATCH_JOB_SALES);
    batches.push({ name: CRPT_BATCH_JOB, data: { sales: batch }, opts: { jobId: crptBatchJobId(origin, batch) } });
  }
  return batches;
}

export function createDownstream(connection: RedisClient, prefix: string, log: Logger): Downstream {
  const queueOptions = { connection, prefix };
  const fnsQueue = new Queue<FnsBatchJob>(QueueNames.fns, { ...queueOptions, defaultJobOptions: JOB_OPTIONS.fns });
  const crptQueue = new Queue<CrptBatchJob>(QueueNames.crpt, { ...queueOptions, defaultJobOptions: JOB_OPTIONS.crpt });
  const notifyQueue = new Queue<NotifyJob>(QueueNames.notify, { ...queueOptions, defaultJobOptions: JOB_OPTIONS.notify });
  for (const q of [fnsQueue, crptQueue, notifyQueue]) q.on('error', (e: Error) => log.warn({ err: e.message }, 'queue error'));

  async function forward(origin: string, stored: readonly PersistedJob[], retried: boolean): Promise<void> {
    const fns: FnsBatchDocument[] = [];
    const crpt: CrptBatchSale[] = [];
    const notify: BulkJob<NotifyJob>[] = [];
    for (const result of stored) {
      if (!result.inserted && !retried) continue;
      const { fn, fd, downstream } = result;
      // A copy stored before this run (a retried batch) may not be this one: its received_at is left to the workers to find.
      const hint = result.inserted ? { receivedAt: result.receivedAt } : {};
      if (downstream.fns) fns.push({ fn, fd });
      if (downstream.crpt) crpt.push({ fn, fd, ...hint });
      if (downstream.notify) {
        const { channel, recipient } = downstream.notify;
        notify.push({ name: JobNames.notify, data: { fn, fd, channel, recipient, ...hint }, opts: { jobId: notifyJobId(fn, fd, channel) } });
      }
    }
    await Promise.all([addDownstream(fnsQueue, fnsBatches(origin, fns)), addDownstream(crptQueue, crptBatches(origin, crpt)), addDownstream(notifyQueue, notify)]);
  }

  return {
    forward,
    close: async () => {
      await Promise.all([fnsQueue.close(), crptQueue.close(), notifyQueue.close()]);
    },
  };
}
