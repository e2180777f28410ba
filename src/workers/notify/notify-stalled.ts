/**
 * The notify worker's 'failed' listener (shared/stalled-jobs.ts): an e-receipt whose job BullMQ gave up for stalling is
 * parked like one that failed for good — the delivery rows it was sending set 'failed' (JOB_STALLED) and a dead letter
 * written, in one transaction (failStalledDelivery) — so that the cabinet does not show it sending for ever, and
 * `ofd dlq replay` sends it again (a Viber message waiting for its report stays 'sending': the replay waits for it). Any other job of the queue (a replayed outbox letter: webhook, condition e-mail) gets its letter back. A job parked already
 * (and not replayed since) is left alone, and so is a receipt this job's request delivered (ownRows). Never throws.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { recordDeadLetters } from '../../db/dead-letters.repository.js';
import { failStalledDelivery, findDelivery, type StalledDeliveryRow } from '../../db/notify.repository.js';
import type { NotifyDeliveryRow, NotifyDeliveryStatus, ReceiptChannel } from '../../db/tables/notify.js';
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

const UNSETTLED: readonly NotifyDeliveryStatus[] = ['sending', 'retrying'];

/**
 * What a receipt job may have left unsettled, and whether it was delivered after all. An automatic job (no `resend`)
 * owns its channel's row and, for a phone, the other phone channel's (an SMS goes by Viber when its organization chose
 * Viber; a Viber message falls back to SMS), all of the first request (resends 0). A resend asked through the API owns
 * its channel's row of its request — queued too, if it stalled before starting — and, for Viber, the SMS it fell back
 * to. Rows of another request are another job's.
 */
function ownRows(channel: ReceiptChannel, resend: number | undefined, rows: ReadonlyMap<ReceiptChannel, NotifyDeliveryRow | undefined>): { delivered: boolean; rows: StalledDeliveryRow[] } {
  const other: ReceiptChannel | undefined = channel === 'sms' ? 'viber' : channel === 'viber' ? 'sms' : undefined;
  if (resend === undefined) {
    const owned = [channel, ...(other ? [other] : [])];
    return {
      delivered: owned.some((c) => rows.get(c)?.status === 'delivered' && rows.get(c)?.resends === 0),
      rows: owned.map((c) => ({ channel: c, statuses: UNSETTLED, resends: 0 })),
    };
  }
  const own = rows.get(channel);
  const fellBack = channel === 'viber' && own?.status === 'fallback_sms' && own.resends === resend;
  return {
    delivered: (own?.status === 'delivered' && own.resends === resend) || (fellBack && rows.get('sms')?.status === 'delivered'),
    rows: [{ channel, statuses: ['queued', ...UNSETTLED], resends: resend }, ...(fellBack ? [{ channel: 'sms' as const, statuses: UNSETTLED }] : [])],
  };
}

export async function parkStalledNotifyJob(deps: { db: Kysely<Database>; log: Logger; metrics?: Metrics | undefined }, job: StalledJob, error: Error): Promise<void> {
  if (!stalledTooOften(error)) return;
  const { db, log } = deps;
  const letter = deadLetterOf(QUEUE, jobRefOf(job, 1), { code: JOB_STALLED, message: error.message });
  try {
    if ((await parkedJobIds(db, QUEUE, [letter.jobId])).size > 0) return;
    const receipt = notifyJobSchema.safeParse(job.data);
    if (!receipt.success || receipt.data.channel === 'webhook') {
      await recordDeadLetters(db, [letter]);
    } else {
      const { fn, fd, channel, resend } = receipt.data;
      const current = new Map<ReceiptChannel, NotifyDeliveryRow | undefined>();
      for (const c of channel === 'email' ? (['email'] as const) : (['sms', 'viber'] as const)) current.set(c, await findDelivery(db, fn, fd, c));
      const owned = ownRows(channel, resend, current);
      if (owned.delivered) return;
      await failStalledDelivery(db, { fn, fd, rows: owned.rows }, { errorCode: JOB_STALLED, error: error.message, deadLetter: letter });
    }
    deps.metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' });
    log.warn({ jobId: job.id }, 'notify job stalled too often: parked as a dead letter');
  } catch (e) {
    log.error({ jobId: job.id, err: (e as Error).message }, 'could not write the dead letter');
  }
}
