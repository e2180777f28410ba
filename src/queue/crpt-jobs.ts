/**
 * Jobs of the `crpt` queue. Two names share it:
 *
 *   send-to-crpt          { fn, fd, receivedAt? }  a stored receipt with marking codes (added by the persist worker),
 *                                     job id documentJobId(fn, fd); receivedAt: the stored copy's, when known
 *   marking-notification  { fn, notificationNumber, container, receivedAt }  a form-82 sale notification from the
 *                                     marking listener, the FN's container (base64) kept whole; job id
 *                                     markingNotificationJobId(fn, n) — the FN re-sends until answered, the id dedupes
 */
import { z } from 'zod';
import { assertFiscalDriveNumber } from './job-ids.js';
import { receivedAtHintSchema } from './received-at-hint.js';

export const CRPT_NOTIFICATION_JOB = 'marking-notification';

export const crptReceiptJobSchema = z.object({
  fn: z.string().regex(/^\d{16}$/),
  fd: z.number().int().min(1).max(0xffff_ffff),
  receivedAt: receivedAtHintSchema,
});

export const crptNotificationJobSchema = z.object({
  fn: z.string().regex(/^\d{16}$/),
  notificationNumber: z.number().int().min(1).max(0xffff_ffff),
  container: z.string().min(1),
  receivedAt: z.string(),
});
export type CrptNotificationJob = z.infer<typeof crptNotificationJobSchema>;

export function markingNotificationJobId(fn: string, notificationNumber: number): string {
  assertFiscalDriveNumber(fn);
  if (!Number.isInteger(notificationNumber) || notificationNumber < 1 || notificationNumber > 0xffff_ffff) {
    throw new RangeError(`notification number must be 1–${0xffff_ffff}, got ${notificationNumber}`);
  }
  return `mn-${fn}-n-${notificationNumber}`;
}
