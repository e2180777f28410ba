/**
 * Jobs of the `notify` queue (job name JobNames.notify): an e-receipt or webhook of one stored document (NotifyJob of
 * jobs.ts, job id notifyJobId(fn, fd, channel)), or a replayed dead letter of an outbox.
 */
import { z } from 'zod';
import { receivedAtHintSchema } from './received-at-hint.js';

/** The channel of a condition e-mail's dead letter; its `recipient` is the outbox row id (notification_emails). */
export const NOTIFICATION_EMAIL_CHANNEL = 'notification-email';

export const notifyJobSchema = z.object({
  fn: z.string().regex(/^\d{16}$/),
  fd: z.number().int().min(1).max(0xffff_ffff),
  channel: z.enum(['email', 'sms', 'viber', 'webhook']),
  recipient: z.string().min(1).max(320).optional(),
  /** Set on jobs of a resend asked through the API: sends even when the receipt was delivered before. */
  resend: z.number().int().min(1).optional(),
  /** The stored copy's received_at, from the persist job that stored it (received-at-hint.ts). */
  receivedAt: receivedAtHintSchema,
});
export type NotifyJobData = z.infer<typeof notifyJobSchema>;

/**
 * A replayed dead letter of an outbox (webhook_deliveries, notification_emails). Its payload names no document when
 * the event was about a register or an FN, so it is recognised before the receipt schema, which requires one.
 */
export const outboxReplaySchema = z.object({
  channel: z.enum(['webhook', NOTIFICATION_EMAIL_CHANNEL]),
  recipient: z.string().regex(/^[1-9]\d{0,14}$/),
});
