/**
 * BullMQ wiring of the notify processor (issue 6), plus the webhook loop:
 *
 * - a Worker on `notify`: jobs added by the persist worker for receipts carrying 1008 (job id fn-<FN>-fd-<FD>-<channel>)
 *   and by this worker for resends asked through the API (…-<channel>-r<N>); each runs notify-receipts.processor.ts:
 *     delivered / refused (no balance, no recipient, bad address) → completed
 *     retryable failure                                        → failed; BullMQ retries with the job's backoff
 *     out of attempts / terminal                               → status failed + dead_letters, UnrecoverableError
 * - a loop every `pollIntervalMs`: pending resends → `notify` jobs; webhook events scanned; due webhooks sent; due
 *   condition e-mails sent (notify-condition-emails.ts).
 * - a loop every `conditionsIntervalMs`: condition notifications evaluated (notify-conditions.ts, issue 7); their
 *   e-mails are queued only when an e-mail port is given, since nothing else would send them.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import type { EmailSender } from '../../adapters/email/email-sender.js';
import { createHttpSmsSender, type HttpSmsSenderOptions } from '../../adapters/sms/http-sms-sender.js';
import type { SmsSender } from '../../adapters/sms/sms-sender.js';
import { createHttpViberSender } from '../../adapters/viber/http-viber-sender.js';
import type { ViberSender } from '../../adapters/viber/viber-sender.js';
import { createHttpWebhookSender, type WebhookSender } from '../../adapters/webhooks/webhook-sender.js';
import type { Database } from '../../db/database.js';
import { returnToPending, takePendingResends } from '../../db/notify.repository.js';
import { jobLogger, type Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { notifyJobId } from '../../queue/job-ids.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import { JobNames } from '../../queue/jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { closeRedis, createWorkerRedis } from '../../queue/redis-connection.js';
import { createConditionEmailDispatcher, type ConditionEmailDispatcherOptions } from './condition-emails.js';
import { createConditionEvaluator } from './conditions.js';
import { createNotifyProcessor, type NotifyJobData, type NotifyJobRef } from './receipts.processor.js';
import type { ViberCascadeOptions } from './viber.js';
import { createWebhookDispatcher, type WebhookDispatcherOptions } from './webhooks.js';

export const DEFAULT_NOTIFY_CONCURRENCY = 16;

export interface NotifyWorkerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** E-mail port (SMTP adapter); absent: e-mail receipts end as failed (NOTIFY_EMAIL_NOT_CONFIGURED). Not closed here. */
  readonly email?: EmailSender;
  /** SMS_URL: the worker builds the HTTP SMS client (and closes it). */
  readonly smsUrl?: string;
  /** OFD_PUBLIC_URL: SMS and Viber receipts carry a short link (`/r/{code}`) to the receipt page there; unset: the QR string. */
  readonly receiptPageUrl?: string;
  readonly smsOptions?: Omit<HttpSmsSenderOptions, 'url'>;
  /** An SMS port the caller owns (tests); takes precedence over smsUrl and is not closed. */
  readonly sms?: SmsSender;
  /** VIBER_URL: the worker builds the HTTP Viber client (and closes it). */
  readonly viberUrl?: string;
  /** A Viber port the caller owns (tests); takes precedence over viberUrl and is not closed. */
  readonly viber?: ViberSender;
  /** How long Viber gets before the SMS fallback, and how often its report is asked for. */
  readonly viberOptions?: ViberCascadeOptions;
  /** How long the short links of SMS and Viber receipts work. */
  readonly shortLinkTtlMs?: number;
  /** A webhook port the caller owns; default the HTTP sender (closed here). */
  readonly webhookSender?: WebhookSender;
  /** OFD_WEBHOOK_ALLOW_HOSTS: internal webhook targets allowed (host names, addresses, CIDRs); default none. */
  readonly webhookAllowHosts?: readonly string[];
  readonly webhooks?: Omit<WebhookDispatcherOptions, 'db' | 'sender' | 'logger' | 'metrics'>;
  /** Retries of condition e-mails (attempts, backoff). */
  readonly conditionEmails?: Omit<ConditionEmailDispatcherOptions, 'db' | 'email' | 'logger' | 'metrics'>;
  readonly concurrency?: number;
  /** Resends, webhook scan and sends run every this often. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Options of the resend jobs this worker adds. Default JOB_OPTIONS.notify. */
  readonly resendJobOptions?: { attempts?: number; backoff?: { type: 'exponential' | 'fixed'; delay: number } };
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /** Condition notifications (silent registers, FN expiry/fill, gaps, ФЛК, FNS rejections) are evaluated this often. Default 60 s; 0 turns them off. */
  readonly conditionsIntervalMs?: number;
}

export interface NotifyWorker {
  /** Runs one round of the loop now (tests): resends enqueued, webhook events scanned, due webhooks and condition e-mails sent. */
  poll(): Promise<void>;
  /** Stops fetching jobs and the loop, lets active work finish, closes what it built. Idempotent. */
  close(): Promise<void>;
}

type NotifyJobHandle = Job<unknown, { status: string }, string>;

const QUEUE = QueueNames.notify;

export function startNotifyWorker(options: NotifyWorkerOptions): NotifyWorker {
  const { db, metrics } = options;
  const log = options.logger.child({ role: 'worker', queue: QUEUE });

  let ownedSms: SmsSender | undefined;
  let sms = options.sms;
  if (!sms && options.smsUrl) {
    ownedSms = createHttpSmsSender({ ...options.smsOptions, url: options.smsUrl });
    sms = ownedSms;
  }
  const ownedViber = !options.viber && options.viberUrl ? createHttpViberSender({ url: options.viberUrl }) : undefined;
  const viber = options.viber ?? ownedViber;
  const ownedWebhookSender = options.webhookSender ? undefined : createHttpWebhookSender({ policy: { allowHosts: options.webhookAllowHosts ?? [] } });
  const webhookSender = options.webhookSender ?? ownedWebhookSender!;

  const processor = createNotifyProcessor({
    db,
    logger: log,
    ...(options.email ? { email: options.email } : {}),
    ...(sms ? { sms } : {}),
    ...(viber ? { viber } : {}),
    ...(options.viberOptions ? { viberOptions: options.viberOptions } : {}),
    ...(options.shortLinkTtlMs ? { shortLinkTtlMs: options.shortLinkTtlMs } : {}),
    ...(metrics ? { metrics } : {}),
    ...(options.receiptPageUrl ? { receiptPageUrl: options.receiptPageUrl.replace(/\/+$/, '') } : {}),
  });
  const dispatcher = createWebhookDispatcher({ ...options.webhooks, db, sender: webhookSender, logger: log, ...(metrics ? { metrics } : {}) });
  const conditionEmails = options.email
    ? createConditionEmailDispatcher({ ...options.conditionEmails, db, email: options.email, logger: log, ...(metrics ? { metrics } : {}) })
    : undefined;

  const connection = createWorkerRedis(options.redisUrl, { connectionName: `${options.prefix}:worker:notify` });
  const queueConnection = createWorkerRedis(options.redisUrl, { connectionName: `${options.prefix}:worker:notify:producer` });
  connection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  queueConnection.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  const queue = new Queue<NotifyJobData>(QUEUE, {
    connection: queueConnection,
    prefix: options.prefix,
    defaultJobOptions: { ...JOB_OPTIONS.notify, ...options.resendJobOptions },
  });
  queue.on('error', (e: Error) => log.warn({ err: e.message }, 'queue error'));

  async function processJob(job: NotifyJobHandle): Promise<{ status: string }> {
    const ref: NotifyJobRef = { id: job.id, name: job.name, data: job.data, attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 };
    const end = metrics?.worker.jobDuration.startTimer({ queue: QUEUE });
    try {
      const outcome = await processor(ref);
      switch (outcome.kind) {
        case 'done':
          metrics?.worker.jobs.inc({ queue: QUEUE, result: 'completed' });
          return { status: outcome.status };
        case 'retry':
          metrics?.worker.jobs.inc({ queue: QUEUE, result: 'failed' });
          jobLogger(log, { queue: QUEUE, jobId: job.id, attempt: ref.attempt }).debug({ code: outcome.error.code }, 'notify job will be retried');
          throw outcome.error;
        case 'dead':
          metrics?.worker.jobs.inc({ queue: QUEUE, result: 'dead' });
          throw new UnrecoverableError(`${outcome.error.code}: ${outcome.error.message}`);
        default:
          throw new Error('unknown notify outcome');
      }
    } finally {
      end?.();
    }
  }

  const worker = new Worker<unknown, { status: string }, string>(QUEUE, processJob, {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? DEFAULT_NOTIFY_CONCURRENCY,
    ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
  });
  worker.on('error', (e: Error) => log.error({ err: e.message }, 'worker error'));

  async function enqueueResends(): Promise<void> {
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

  let polling: Promise<void> | undefined;
  async function pollOnce(): Promise<void> {
    for (const [what, step] of [
      ['resends', enqueueResends],
      ['webhook scan', () => dispatcher.scan()],
      ['webhook delivery', () => dispatcher.deliverDue()],
      ['condition e-mails', async () => void (await conditionEmails?.deliverDue())],
    ] as const) {
      try {
        await step();
      } catch (e) {
        log.warn({ err: (e as Error).message }, `notify ${what} failed`);
      }
    }
  }
  const poll = (): Promise<void> => (polling ??= pollOnce().finally(() => (polling = undefined)));
  const interval = options.pollIntervalMs ?? 1000;
  const timer = setInterval(() => void poll(), interval);
  timer.unref();

  const conditions = createConditionEvaluator({ db, logger: log, emails: options.email !== undefined });
  let evaluating: Promise<void> | undefined;
  const evaluateConditions = (): Promise<void> =>
    (evaluating ??= conditions
      .evaluate()
      .then(() => undefined)
      .catch((e: unknown) => log.warn({ err: (e as Error).message }, 'notify condition evaluation failed'))
      .finally(() => (evaluating = undefined)));
  const conditionsInterval = options.conditionsIntervalMs ?? 60_000;
  const conditionsTimer = conditionsInterval > 0 ? setInterval(() => void evaluateConditions(), conditionsInterval) : undefined;
  conditionsTimer?.unref();

  let closing: Promise<void> | undefined;
  return {
    poll,
    close: () =>
      (closing ??= (async () => {
        clearInterval(timer);
        if (conditionsTimer) clearInterval(conditionsTimer);
        await worker.close();
        await polling;
        await evaluating;
        await queue.close().catch(() => undefined);
        await ownedSms?.close();
        await ownedViber?.close();
        await ownedWebhookSender?.close();
        await Promise.all([closeRedis(connection), closeRedis(queueConnection)]);
      })()),
  };
}
