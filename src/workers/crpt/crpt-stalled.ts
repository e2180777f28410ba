/**
 * The crpt worker's 'failed' listener (shared/stalled-jobs.ts): a sale whose job BullMQ gave up for stalling is parked
 * as the processor parks a dead sale — crpt_sales 'dead' and its dead letter in one transaction — so that it shows in
 * `ofd dlq list` and the cabinet's marking stages, and `ofd dlq replay` sends it again. A sale CRPT already answered,
 * or a job parked already (and not replayed since), is left alone; a sale under a lease that has not ended gets its
 * letter at once and is marked dead once the lease has ended, unless its worker recorded an answer by then. Never
 * throws.
 */
import type { Kysely } from 'kysely';
import type { SaleKey } from '../../db/crpt-status.repository.js';
import { markStalledSaleDead, parkStalledSale } from '../../db/crpt-status.repository.js';
import type { Database } from '../../db/database.js';
import { recordDeadLetters } from '../../db/dead-letters.repository.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { CRPT_NOTIFICATION_JOB, crptNotificationJobSchema, crptReceiptJobSchema } from '../../queue/crpt-jobs.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import { QueueNames } from '../../queue/queue-names.js';
import type { BullJobLike } from '../shared/job-ref.js';
import { JOB_STALLED, parkWhenStalled } from '../shared/stalled-jobs.js';

const QUEUE = QueueNames.crpt;


/** The sale a job is about, from its data alone (a job whose data does not parse has none: its letter is parked bare). */
export function saleKeyOfJob(job: { readonly name: string; readonly data: unknown }): SaleKey | undefined {
  if (job.name === CRPT_NOTIFICATION_JOB) {
    const p = crptNotificationJobSchema.safeParse(job.data);
    return p.success ? { source: 'notification', fn: p.data.fn, fd: p.data.notificationNumber } : undefined;
  }
  const p = crptReceiptJobSchema.safeParse(job.data);
  return p.success ? { source: 'receipt', fn: p.data.fn, fd: p.data.fd } : undefined;
}

export function parkStalledCrptJob(deps: { db: Kysely<Database>; log: Logger; metrics?: Metrics | undefined }, job: BullJobLike, error: Error): Promise<void> {
  const { db, log } = deps;
  return parkWhenStalled(deps, QUEUE, job, error, JOB_OPTIONS.crpt.attempts ?? 1, async (letter) => {
    const key = saleKeyOfJob(job);
    if (key === undefined) {
      await recordDeadLetters(db, [letter]);
      return true;
    }
    const failure = { errorCode: JOB_STALLED, error: error.message, deadLetter: letter };
    const parked = await parkStalledSale(db, key, failure);
    if (parked.outcome === 'delivered') return false;
    // Under a lease still running its worker may be alive (it lost its BullMQ lock, not its life) and sending: the
    // sale stays its to record, and is looked at again once the lease has ended (a replay's claim waits for that end
    // too: crpt.processor.ts sends only under a live lease). If this process is gone by then, the letter is there.
    if (parked.outcome === 'leased') {
      setTimeout(() => {
        markStalledSaleDead(db, key, parked.leaseOwner, failure).catch((e: unknown) => log.warn({ jobId: job.id, err: (e as Error).message }, 'could not mark the stalled sale dead'));
      }, Math.ceil(parked.leaseEndsInMs) + 1000).unref();
    }
    return true;
  });
}
