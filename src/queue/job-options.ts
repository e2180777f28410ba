/**
 * Default BullMQ job options per queue, set as the Queue's defaultJobOptions by every producer.
 *
 * removeOnComplete on `documents`: a batch job is dropped once it is stored — only the last 100 stay, for a look with
 * redis-cli. Documents jobs are batches with no job id of their own, so keeping them deduplicates nothing (PostgreSQL
 * decides, on (fn, fd)); at 10 000 kept batches of ≈ 100 base64 containers they held ≈ 1 GB of Redis for an hour.
 * The other queues keep completed jobs for an hour (≤ 10 000): their job ids are deterministic — per document, or, for
 * the fns and crpt batch jobs, derived from the persist job and what the batch carries — so the hash dedupes a repeated
 * add meanwhile, and the workers are idempotent for the adds that come after.
 *
 * removeOnFail false: a job out of attempts stays in the failed set as the dead letter (decision 8) — ops see it in
 * ofd_queue_jobs{state="failed"} and replay it.
 */
import type { DefaultJobOptions } from 'bullmq';
import type { QueueName } from './queue-names.js';

const HOUR_S = 3600;

export const JOB_OPTIONS: Readonly<Record<QueueName, DefaultJobOptions>> = {
  documents: {
    // 1 s doubling over 14 retries ≈ 4.5 h of backoff: rides out a PostgreSQL outage before the job is parked as dead.
    attempts: 15,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { count: 100 },
    removeOnFail: false,
  },
  fns: {
    // The FNS may be down for hours (maintenance windows); 5 s doubling over 15 retries ≈ 45 h.
    attempts: 16,
    backoff: { type: 'exponential', delay: 5000 },
    removeOnComplete: { age: HOUR_S, count: 10_000 },
    removeOnFail: false,
  },
  crpt: {
    attempts: 16,
    backoff: { type: 'exponential', delay: 5000 },
    removeOnComplete: { age: HOUR_S, count: 10_000 },
    removeOnFail: false,
  },
  'fns-kkt': {
    // A registration application may wait out an FNS outage of a day: 5 s doubling over 15 retries ≈ 45 h.
    attempts: 16,
    backoff: { type: 'exponential', delay: 5000 },
    removeOnComplete: { age: 24 * HOUR_S, count: 10_000 },
    removeOnFail: false,
  },
  notify: {
    // A receipt e-mail a day late is useless: give up after ≈ 1 h and keep the failure for the cabinet.
    attempts: 8,
    backoff: { type: 'exponential', delay: 30_000 },
    removeOnComplete: { age: HOUR_S, count: 10_000 },
    removeOnFail: { age: 7 * 24 * HOUR_S },
  },
  // Ack reports: a PostgreSQL outage is ridden out for ≈ 4.5 h (1 s doubling); an ack report lost after that only leaves
  // acked_at null — the documents themselves travel in `documents`.
  acks: {
    attempts: 15,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 600, count: 1000 },
    removeOnFail: { age: 7 * 24 * HOUR_S },
  },
  // One attempt per BullMQ job: a failed export is retried by the exports sweeper under a new job id (export-<id>-<n>),
  // from export_jobs, which holds its attempts; the job only carries the row id.
  exports: {
    attempts: 1,
    removeOnComplete: { age: HOUR_S, count: 1000 },
    removeOnFail: { age: 24 * HOUR_S, count: 1000 },
  },
};
