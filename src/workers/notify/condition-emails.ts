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
import type { EmailSender } from '../../adapters/email/email-sender.js';
import { recordDeadLetters } from '../../db/dead-letters.repository.js';
import { claimDueNotificationEmails, recordNotificationEmailOutcome, type DueNotificationEmail } from '../../db/notification-emails.repository.js';
import { JobNames } from '../../queue/jobs.js';
import { NOTIFICATION_EMAIL_CHANNEL } from '../../queue/notify-jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { dispatchDue, failureOf, outboxBackoffMs, sendFromOutbox, type OutboxOptions, type SendFailure } from './outbox.js';

/** Defaults: 8 attempts, backoff 30 s doubling up to 1 h, 50 e-mails per round, a 120 s lease (above the SMTP timeouts). */
export interface ConditionEmailDispatcherOptions extends OutboxOptions {
  readonly email: EmailSender;
}

export interface ConditionEmailDispatcher {
  /** Sends due e-mails once; returns how many were attempted. */
  deliverDue(): Promise<number>;
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
    await sendFromOutbox({
      target: 'email',
      metrics,
      send: async () => {
        try {
          await email.send({ to: m.recipient, subject: m.mail_subject, text: m.mail_text });
          return undefined;
        } catch (e) {
          return failureOf(e);
        }
      },
      isFinal: (f) => !f.retryable || m.attempts >= maxAttempts,
      delivered: async () => void (await recordNotificationEmailOutcome(db, m.id, { status: 'delivered' })),
      failed: async (f, final) => {
        if (final) return failForGood(m, f);
        await recordNotificationEmailOutcome(db, m.id, { status: 'retrying', errorCode: f.code, error: f.message, retryInMs: outboxBackoffMs(base, max, m.attempts) });
      },
    });
  }

  return {
    deliverDue: () =>
      dispatchDue(
        () => claimDueNotificationEmails(db, batchSize, leaseMs),
        deliver,
      ),
  };
}
