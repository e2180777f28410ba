/**
 * Condition e-mails (issue 7): the notify worker drains the notification_emails outbox that the condition evaluator
 * fills in the transaction recording each firing.
 *
 * Per row: claimed with a lease (several workers may drain at once), sent through the EmailSender, then
 *   accepted                                      → delivered;
 *   retryable failure (SMTP down, 4xx), attempts left → retrying, due again after base × 2^(attempt − 1), capped;
 *   refused for good (5xx), or out of attempts    → failed, and parked in dead_letters (queue notify, job id
 *                                                    notification-email-<id>); `ofd dlq replay` makes it due again.
 * Delivery is at least once: a worker that dies after the SMTP server accepted a message but before recording it
 * leaves the row to be claimed again when its lease ends.
 */
import type { Kysely } from 'kysely';
import type { EmailSender } from '../../adapters/email/email-sender.js';
import type { Database } from '../../db/database.js';
import { recordDeadLetters } from '../../db/dead-letters.repository.js';
import { claimDueNotificationEmails, recordNotificationEmailOutcome, type DueNotificationEmail } from '../../db/notification-emails.repository.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { JobNames } from '../../queue/jobs.js';
import { QueueNames } from '../../queue/queue-names.js';

/** The channel of a condition e-mail's dead letter; its `recipient` is the outbox row id. */
export const NOTIFICATION_EMAIL_CHANNEL = 'notification-email';

export interface ConditionEmailDispatcherOptions {
  readonly db: Kysely<Database>;
  readonly email: EmailSender;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Attempts per e-mail before it is failed (and dead-lettered). Default 8. */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt. Default 30 s. */
  readonly backoffBaseMs?: number;
  /** Longest retry delay. Default 1 h. */
  readonly backoffMaxMs?: number;
  /** E-mails claimed per round. Default 50. */
  readonly batchSize?: number;
  /** A claimed e-mail not recorded within this is claimed again. Default 120 s (above the SMTP timeouts). */
  readonly leaseMs?: number;
}

export interface ConditionEmailDispatcher {
  /** Sends due e-mails once; returns how many were attempted. */
  deliverDue(): Promise<number>;
}

interface SendFailure {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

function failureOf(e: unknown): SendFailure {
  const err = e as { code?: unknown; message?: unknown; retryable?: unknown };
  return {
    code: typeof err.code === 'string' ? err.code : 'NOTIFY_SEND_FAILED',
    message: typeof err.message === 'string' ? err.message : String(e),
    // Only an adapter that says so (EmailError.retryable false: the server refused the message) stops the retries.
    retryable: err.retryable !== false,
  };
}

export function notificationEmailJobId(id: number): string {
  return `notification-email-${id}`;
}

export function createConditionEmailDispatcher(options: ConditionEmailDispatcherOptions): ConditionEmailDispatcher {
  const { db, email, metrics } = options;
  const log = options.logger;
  const maxAttempts = options.maxAttempts ?? 8;
  const base = options.backoffBaseMs ?? 30_000;
  const max = options.backoffMaxMs ?? 3_600_000;
  const batchSize = options.batchSize ?? 50;
  const leaseMs = options.leaseMs ?? 120_000;

  async function failForGood(m: DueNotificationEmail, f: SendFailure): Promise<void> {
    // The dead letter first: a status `failed` always has its letter.
    await recordDeadLetters(db, [
      {
        queue: QueueNames.notify,
        jobId: notificationEmailJobId(m.id),
        jobName: JobNames.notify,
        payload: { channel: NOTIFICATION_EMAIL_CHANNEL, recipient: String(m.id) },
        errorCode: f.code,
        errorMessage: f.message,
        attempts: m.attempts,
      },
    ]);
    await recordNotificationEmailOutcome(db, m.id, { status: 'failed', errorCode: f.code, error: f.message });
    log.warn({ notificationEmailId: m.id, eventId: m.event_id, code: f.code, err: f.message }, 'condition e-mail failed for good');
  }

  async function deliver(m: DueNotificationEmail): Promise<void> {
    const end = metrics?.forward.latency.startTimer({ target: 'email' });
    try {
      await email.send({ to: m.recipient, subject: m.mail_subject, text: m.mail_text });
    } catch (e) {
      end?.();
      const f = failureOf(e);
      const final = !f.retryable || m.attempts >= maxAttempts;
      metrics?.forward.total.inc({ target: 'email', result: final ? 'failed' : 'retry' });
      if (final) return failForGood(m, f);
      await recordNotificationEmailOutcome(db, m.id, { status: 'retrying', errorCode: f.code, error: f.message, retryInMs: Math.min(max, base * 2 ** (m.attempts - 1)) });
      return;
    }
    end?.();
    await recordNotificationEmailOutcome(db, m.id, { status: 'delivered' });
    metrics?.forward.total.inc({ target: 'email', result: 'ok' });
  }

  return {
    async deliverDue() {
      const due = await claimDueNotificationEmails(db, batchSize, leaseMs);
      await Promise.all(due.map(deliver));
      return due.length;
    },
  };
}
