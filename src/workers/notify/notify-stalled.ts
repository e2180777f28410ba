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
import type { BullJobLike } from '../shared/job-ref.js';
import { JOB_STALLED, parkWhenStalled } from '../shared/stalled-jobs.js';

const QUEUE = QueueNames.notify;


const UNSETTLED: readonly NotifyDeliveryStatus[] = ['sending', 'retrying'];

/**
 * What a receipt job may have left unsettled, and whether it was delivered after all. A job owns its channel's row of
 * its own request (`resends`: 0 for the automatic send, the resend's number for one asked through the API — queued
 * too, if it stalled before starting); an automatic SMS job also the Viber row of the first request (it goes by Viber
 * when its organization chose Viber); and whichever job's Viber row of its request fell back to SMS, the SMS row it
 * sent (the fallback writes that row whatever its resends count).
 */
function ownRows(channel: ReceiptChannel, resend: number | undefined, rows: ReadonlyMap<ReceiptChannel, NotifyDeliveryRow | undefined>): { delivered: boolean; rows: StalledDeliveryRow[] } {
  const request = resend ?? 0;
  const ofRequest = (c: ReceiptChannel) => (rows.get(c)?.resends === request ? rows.get(c) : undefined);
  const viaViber = channel === 'viber' || (channel === 'sms' && resend === undefined);
  const fellBack = viaViber && ofRequest('viber')?.status === 'fallback_sms';
  const owned: StalledDeliveryRow[] = [{ channel, statuses: [...(resend === undefined ? [] : (['queued'] as const)), ...UNSETTLED], resends: request }];
  if (channel === 'sms' && resend === undefined) owned.push({ channel: 'viber', statuses: UNSETTLED, resends: 0 });
  if (fellBack && channel === 'viber') owned.push({ channel: 'sms', statuses: UNSETTLED });
  if (fellBack && channel === 'sms') owned[0] = { channel: 'sms', statuses: UNSETTLED };
  const delivered = ofRequest(channel)?.status === 'delivered' || (viaViber && ofRequest('viber')?.status === 'delivered') || (fellBack && rows.get('sms')?.status === 'delivered');
  return { delivered, rows: owned };
}

export function parkStalledNotifyJob(deps: { db: Kysely<Database>; log: Logger; metrics?: Metrics | undefined }, job: BullJobLike, error: Error): Promise<void> {
  const { db } = deps;
  return parkWhenStalled(deps, QUEUE, job, error, 1, async (letter) => {
    const receipt = notifyJobSchema.safeParse(job.data);
    if (!receipt.success || receipt.data.channel === 'webhook') {
      await recordDeadLetters(db, [letter]);
      return true;
    }
    const { fn, fd, channel, resend } = receipt.data;
    const current = new Map<ReceiptChannel, NotifyDeliveryRow | undefined>();
    for (const c of channel === 'email' ? (['email'] as const) : (['sms', 'viber'] as const)) current.set(c, await findDelivery(db, fn, fd, c));
    const owned = ownRows(channel, resend, current);
    if (owned.delivered) return false;
    await failStalledDelivery(db, { fn, fd, rows: owned.rows }, { errorCode: JOB_STALLED, error: error.message, deadLetter: letter });
    return true;
  });
}
