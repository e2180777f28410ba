/**
 * BullMQ wiring of the notify processor (issue 6), plus the webhook loop:
 *
 * - a Worker on `notify`: jobs added by the persist worker for receipts carrying 1008 (job id fn-<FN>-fd-<FD>-<channel>)
 *   and by this worker for resends asked through the API (…-<channel>-r<N>); each runs receipts.processor.ts:
 *     delivered / refused (no balance, no recipient, bad address) → completed
 *     retryable failure                                        → failed; BullMQ retries with the job's backoff
 *     out of attempts / terminal                               → status failed + dead_letters, UnrecoverableError
 * - a loop every `pollIntervalMs`: pending resends → `notify` jobs; webhook events scanned; due webhooks sent; due
 *   condition e-mails sent (condition-emails.ts).
 * - a loop every `conditionsIntervalMs`: condition notifications evaluated (conditions.ts, issue 7); their
 *   e-mails are queued only when an e-mail port is given, since nothing else would send them.
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import type { EmailSender } from '../../adapters/email/email-sender.js';
import { createHttpSmsSender, type HttpSmsSenderOptions } from '../../adapters/sms/http-sms-sender.js';
import type { SmsSender } from '../../adapters/sms/sms-sender.js';
import { createHttpViberSender } from '../../adapters/viber/http-viber-sender.js';
import type { ViberSender } from '../../adapters/viber/viber-sender.js';
import { createHttpWebhookSender, type WebhookSender } from '../../adapters/webhooks/webhook-sender.js';
import type { Database } from '../../db/database.js';
import { jobLogger, type Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import type { NotifyJobData } from '../../queue/notify-jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { closeRedis, createWorkerRedis } from '../../queue/redis-connection.js';
import { FetchGate, pauseControls, type PauseControls } from '../shared/fetch-gate.js';
import { jobRefOf, lockOptions } from '../shared/job-ref.js';
import { countCompleted, throwForOutcome, type OutcomeContext } from '../shared/job-outcome.js';
import { createConditionEmailDispatcher, type ConditionEmailDispatcherOptions } from './condition-emails.js';
import { startNotifyLoops } from './notify-loops.js';
import { createNotifyProcessor, type NotifyProcessor } from './receipts.processor.js';
import { parkStalledNotifyJob } from './notify-stalled.js';
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
  /** The cabinet's public URL (OFD_PUBLIC_URL), for links in condition e-mails (the Маркет in branding.expiring). */
  readonly cabinetUrl?: string;
}

/** pause/resume (PauseControls): stops fetching e-receipt jobs — the ones held finish, the rest wait in Redis — until resume; the loop goes on. */
export interface NotifyWorker extends PauseControls {
  /** Runs one round of the loop now (tests): resends enqueued, webhook events scanned, due webhooks and condition e-mails sent. */
  poll(): Promise<void>;
  /** Stops fetching jobs and the loop, lets active work finish, closes what it built. Idempotent. */
  close(): Promise<void>;
}

type NotifyJobHandle = Job<unknown, { status: string }, string>;

const QUEUE = QueueNames.notify;

/** The SMS, Viber and webhook ports: the caller's, or HTTP clients built (and closed) here. */
function notifyPorts(options: NotifyWorkerOptions): { sms?: SmsSender; viber?: ViberSender; webhookSender: WebhookSender; close(): Promise<void> } {
  const ownedSms = !options.sms && options.smsUrl ? createHttpSmsSender({ ...options.smsOptions, url: options.smsUrl }) : undefined;
  const sms = options.sms ?? ownedSms;
  const ownedViber = !options.viber && options.viberUrl ? createHttpViberSender({ url: options.viberUrl }) : undefined;
  const viber = options.viber ?? ownedViber;
  const ownedWebhookSender = options.webhookSender ? undefined : createHttpWebhookSender({ policy: { allowHosts: options.webhookAllowHosts ?? [] } });
  return {
    ...(sms ? { sms } : {}),
    ...(viber ? { viber } : {}),
    webhookSender: options.webhookSender ?? ownedWebhookSender!,
    async close() {
      await ownedSms?.close();
      await ownedViber?.close();
      await ownedWebhookSender?.close();
    },
  };
}

function notifyProcessorOf(options: NotifyWorkerOptions, ports: { sms?: SmsSender; viber?: ViberSender }, log: Logger): NotifyProcessor {
  const { sms, viber } = ports;
  return createNotifyProcessor({
    db: options.db,
    logger: log,
    ...(options.email ? { email: options.email } : {}),
    ...(sms ? { sms } : {}),
    ...(viber ? { viber } : {}),
    ...(options.viberOptions ? { viberOptions: options.viberOptions } : {}),
    ...(options.shortLinkTtlMs ? { shortLinkTtlMs: options.shortLinkTtlMs } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.receiptPageUrl ? { receiptPageUrl: options.receiptPageUrl.replace(/\/+$/, '') } : {}),
  });
}

async function processJob(processor: NotifyProcessor, log: Logger, metrics: Metrics | undefined, job: NotifyJobHandle, token: string | undefined): Promise<{ status: string }> {
  const ref = jobRefOf(job, 1);
  const ctx: OutcomeContext = { queue: QUEUE, metrics, log: jobLogger(log, { queue: QUEUE, jobId: job.id, attempt: ref.attempt }) };
  const end = metrics?.worker.jobDuration.startTimer({ queue: QUEUE });
  try {
    const outcome = await processor(ref);
    if (outcome.kind === 'done') {
      countCompleted(ctx);
      return { status: outcome.status };
    }
    // deferred (a Viber report to wait for) goes to the delayed set under this job's lock token.
    return await throwForOutcome(ctx, job, token, outcome);
  } finally {
    end?.();
  }
}

export function startNotifyWorker(options: NotifyWorkerOptions): NotifyWorker {
  const { db, metrics } = options;
  const log = options.logger.child({ role: 'worker', queue: QUEUE });
  const ports = notifyPorts(options);
  const processor = notifyProcessorOf(options, ports, log);
  const dispatcher = createWebhookDispatcher({ ...options.webhooks, db, sender: ports.webhookSender, logger: log, ...(metrics ? { metrics } : {}) });
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

  // A job handed over while paused waits here (forwarding-yield.ts).
  const gate = new FetchGate();
  const worker = new Worker<unknown, { status: string }, string>(QUEUE, gate.guard((job: NotifyJobHandle, token?: string) => processJob(processor, log, metrics, job, token)), {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? DEFAULT_NOTIFY_CONCURRENCY,
    ...lockOptions(options),
  });
  worker.on('error', (e: Error) => log.error({ err: e.message }, 'worker error'));
  worker.on('failed', (job, error) => {
    if (job) void parkStalledNotifyJob({ db, log, metrics }, job, error);
  });
  const loops = startNotifyLoops({ db, log, queue, dispatcher, conditionEmails, emails: options.email !== undefined, pollIntervalMs: options.pollIntervalMs, conditionsIntervalMs: options.conditionsIntervalMs, cabinetUrl: options.cabinetUrl });

  let closing: Promise<void> | undefined;
  return {
    poll: loops.poll,
    ...pauseControls(worker, gate, () => closing !== undefined),
    close: () =>
      (closing ??= (async () => {
        gate.open();
        loops.stop();
        await worker.close();
        await loops.settled();
        await queue.close().catch(() => undefined);
        await ports.close();
        await Promise.all([closeRedis(connection), closeRedis(queueConnection)]);
      })()),
  };
}
