/**
 * The notify worker's 'failed' listener (shared/stalled-jobs.ts): an e-receipt whose job BullMQ gave up for stalling is
 * parked like one that failed for good — its delivery row, still unsettled, set 'failed' (JOB_STALLED) and a dead letter
 * written, in one transaction — so that the cabinet shows it failed instead of sending for ever, and `ofd dlq replay`
 * sends it again. Any other job of the queue (a replayed outbox letter: webhook, condition e-mail) gets its letter back. A job parked already
 * (and not replayed since) is left alone, and so is a receipt delivered on the job's channel. Never throws.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { recordDeadLetters } from '../../db/dead-letters.repository.js';
import { failStalledDelivery, findDelivery } from '../../db/notify.repository.js';
import type { ReceiptChannel } from '../../db/tables/notify.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { notifyJobSchema } from '../../queue/notify-jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { deadLetterOf, jobRefOf } from '../shared/job-ref.js';
import { JOB_STALLED, parkedJobIds, stalledTooOften } from '../shared/stalled-jobs.js';

const QUEUE = QueueNames.notify;

interface StalledJob {
  readonly id?: string | undefined;
  readonly name: string;
  readonly data: unknown;
  readonly attemptsMade: number;
  readonly opts: { readonly attempts?: number };
}

/** The delivery rows a receipt job may have left 'sending': an SMS job's receipt may have gone by Viber (receipts.processor.ts route). */
function channelsOf(channel: ReceiptChannel | 'webhook'): ReceiptChannel[] {
  if (channel === 'webhook') return [];
  return channel === 'sms' ? ['sms', 'viber'] : [channel];
}

export async function parkStalledNotifyJob(deps: { db: Kysely<Database>; log: Logger; metrics?: Metrics | undefined }, job: StalledJob, error: Error): Promise<void> {
  if (!stalledTooOften(error)) return;
  const { db, log } = deps;
  const letter = deadLetterOf(QUEUE, jobRefOf(job, 1), { code: JOB_STALLED, message: error.message });
  try {
    if ((await parkedJobIds(db, QUEUE, [letter.jobId])).size > 0) return;
    const receipt = notifyJobSchema.safeParse(job.data);
    const channels = receipt.success ? channelsOf(receipt.data.channel) : [];
    if (!receipt.success || channels.length === 0) {
      await recordDeadLetters(db, [letter]);
    } else {
      const { fn, fd, channel } = receipt.data;
      const row = channel === 'webhook' ? undefined : await findDelivery(db, fn, fd, channel);
      if (row?.status === 'delivered') return;
      await failStalledDelivery(db, { fn, fd, channels }, { errorCode: JOB_STALLED, error: error.message, deadLetter: letter });
    }
    deps.metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' });
    log.warn({ jobId: job.id }, 'notify job stalled too often: parked as a dead letter');
  } catch (e) {
    log.error({ jobId: job.id, err: (e as Error).message }, 'could not write the dead letter');
  }
}
