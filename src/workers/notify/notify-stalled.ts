/**
 * The notify worker's 'failed' listener (shared/stalled-jobs.ts): an e-receipt whose job BullMQ gave up for stalling is
 * parked like one that failed for good — the delivery rows it was sending set 'failed' (JOB_STALLED) and a dead letter
 * written, in one transaction (failStalledDelivery) — so that the cabinet does not show it sending for ever, and
 * `ofd dlq replay` sends it again (a Viber message waiting for its report stays 'sending': the replay waits for it). Any other job of the queue (a replayed outbox letter: webhook, condition e-mail) gets its letter back. A job parked already
 * (and not replayed since) is left alone, and so is a receipt this job's request delivered, by any of its channels. Never throws.
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

/**
 * The delivery rows a receipt job may have left unsettled: an SMS or Viber job's receipt may have gone by the other
 * (an automatic SMS by Viber when its organization chose Viber; a Viber message falls back to SMS).
 */
function channelsOf(channel: ReceiptChannel | 'webhook'): ReceiptChannel[] {
  if (channel === 'webhook') return [];
  return channel === 'email' ? ['email'] : ['sms', 'viber'];
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
      const { fn, fd } = receipt.data;
      // Of this job's request: a resend asked since (resends + 1) is another job's, and so is its outcome.
      const resends = receipt.data.resend ?? 0;
      const rows = await Promise.all(channels.map((c) => findDelivery(db, fn, fd, c)));
      if (rows.some((r) => r?.status === 'delivered' && r.resends === resends)) return;
      await failStalledDelivery(db, { fn, fd, channels, resends }, { errorCode: JOB_STALLED, error: error.message, deadLetter: letter });
    }
    deps.metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' });
    log.warn({ jobId: job.id }, 'notify job stalled too often: parked as a dead letter');
  } catch (e) {
    log.error({ jobId: job.id, err: (e as Error).message }, 'could not write the dead letter');
  }
}
