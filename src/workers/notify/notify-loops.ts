/**
 * The notify worker's loops (notify.worker.ts): every `pollIntervalMs` pending resends become `notify` jobs, webhook
 * events are scanned, due webhooks and condition e-mails sent; every `conditionsIntervalMs` condition notifications
 * are evaluated (conditions.ts). A round never overlaps the one before.
 */
import type { Queue } from 'bullmq';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { returnToPending, takePendingResends } from '../../db/notify.repository.js';
import type { Logger } from '../../observability/logger.js';
import { notifyJobId } from '../../queue/job-ids.js';
import { JobNames } from '../../queue/jobs.js';
import type { NotifyJobData } from '../../queue/notify-jobs.js';
import type { ConditionEmailDispatcher } from './condition-emails.js';
import { createConditionEvaluator } from './conditions.js';
import type { WebhookDispatcher } from './webhooks.js';

export interface NotifyLoopsOptions {
  readonly db: Kysely<Database>;
  readonly log: Logger;
  /** Where resends go. */
  readonly queue: Queue<NotifyJobData>;
  readonly dispatcher: WebhookDispatcher;
  readonly conditionEmails: ConditionEmailDispatcher | undefined;
  /** Whether condition e-mails are queued (only when an e-mail port is given, since nothing else would send them). */
  readonly emails: boolean;
  /** Default 1000 ms. */
  readonly pollIntervalMs?: number | undefined;
  /** Default 60 s; 0 turns condition notifications off. */
  readonly conditionsIntervalMs?: number | undefined;
  /** The cabinet's public URL, for links in condition e-mails. */
  readonly cabinetUrl?: string | undefined;
}

export interface NotifyLoops {
  /** Runs one round of the poll loop now (or joins the one running). */
  poll(): Promise<void>;
  /** Stops both timers. */
  stop(): void;
  /** Resolves once the rounds running have ended. */
  settled(): Promise<void>;
}

async function enqueueResends(db: Kysely<Database>, queue: Queue<NotifyJobData>): Promise<void> {
  const rows = await takePendingResends(db, 100);
  if (rows.length === 0) return;
  try {
    await queue.addBulk(
      rows.map((r) => ({
        name: JobNames.notify,
        data: { fn: r.fn, fd: r.fd, channel: r.channel, recipient: r.recipient, resend: Math.max(1, r.resends) },
        opts: { jobId: `${notifyJobId(r.fn, r.fd, r.channel)}-r${r.resends}` },
      })),
    );
  } catch (e) {
    await returnToPending(db, rows);
    throw e;
  }
}

async function pollOnce(o: NotifyLoopsOptions): Promise<void> {
  for (const [what, step] of [
    ['resends', () => enqueueResends(o.db, o.queue)],
    ['webhook scan', () => o.dispatcher.scan()],
    ['webhook delivery', () => o.dispatcher.deliverDue()],
    ['condition e-mails', async () => void (await o.conditionEmails?.deliverDue())],
  ] as const) {
    try {
      await step();
    } catch (e) {
      o.log.warn({ err: (e as Error).message }, `notify ${what} failed`);
    }
  }
}

export function startNotifyLoops(o: NotifyLoopsOptions): NotifyLoops {
  let polling: Promise<void> | undefined;
  const poll = (): Promise<void> => (polling ??= pollOnce(o).finally(() => (polling = undefined)));
  const timer = setInterval(() => void poll(), o.pollIntervalMs ?? 1000);
  timer.unref();

  const conditions = createConditionEvaluator({ db: o.db, logger: o.log, emails: o.emails, cabinetUrl: o.cabinetUrl });
  let evaluating: Promise<void> | undefined;
  const evaluateConditions = (): Promise<void> =>
    (evaluating ??= conditions
      .evaluate()
      .then(() => undefined)
      .catch((e: unknown) => o.log.warn({ err: (e as Error).message }, 'notify condition evaluation failed'))
      .finally(() => (evaluating = undefined)));
  const conditionsInterval = o.conditionsIntervalMs ?? 60_000;
  const conditionsTimer = conditionsInterval > 0 ? setInterval(() => void evaluateConditions(), conditionsInterval) : undefined;
  conditionsTimer?.unref();

  return {
    poll,
    stop() {
      clearInterval(timer);
      if (conditionsTimer) clearInterval(conditionsTimer);
    },
    async settled() {
      await polling;
      await evaluating;
    },
  };
}
