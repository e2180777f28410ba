/**
 * Jobs of the `crpt` queue. Three names share it:
 *
 *   send-batch-to-crpt    { sales: [{ fn, fd, receivedAt?, attempts? }] }  the stored receipts with marking codes of one
 *                                     persist job (issue 12: one job per batch, as the fns queue has): a job per sale
 *                                     cost BullMQ's two scripts (≈ 27 Redis commands) per sale; attempts: CRPT
 *                                     attempts the sale has used (absent 0). Retries are per sale: those to try again
 *                                     go back as a smaller batch job, delayed by their own attempt count's backoff
 *                                     (item-retry.ts); one that fails for good ends alone in dead_letters, as a
 *                                     `send-to-crpt` job, so a replay sends just it
 *   send-to-crpt          { fn, fd, receivedAt? }  one stored receipt (what `ofd dlq replay` re-adds, and what older
 *                                     persist workers added; still served), job id documentJobId(fn, fd);
 *                                     receivedAt: the stored copy's, when known
 *   marking-notification  { fn, notificationNumber, container, receivedAt }  a form-82 sale notification from the
 *                                     marking listener, the FN's container (base64) kept whole; job id
 *                                     markingNotificationJobId(fn, n) — the FN re-sends until answered, the id dedupes
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { JOB_OPTIONS } from './job-options.js';
import { retryPolicyOf, type DocumentRetryPolicy } from './item-retry.js';
import { assertFiscalDriveNumber } from './job-ids.js';
import { receivedAtHintSchema } from './received-at-hint.js';

export const CRPT_NOTIFICATION_JOB = 'marking-notification';

export const crptReceiptJobSchema = z.object({
  fn: z.string().regex(/^\d{16}$/),
  fd: z.number().int().min(1).max(0xffff_ffff),
  receivedAt: receivedAtHintSchema,
});

export const CRPT_BATCH_JOB = 'send-batch-to-crpt';

/**
 * Sales per batch job the persist worker adds (a persist job of ≈ 100 documents holds ≈ 12 receipts with marking
 * codes; a combined one up to ≈ 125). A batch's sales are sent a few at a time (crpt-jobs.ts of the worker), so this
 * bounds how long one job holds its lock, not how many requests CRPT sees at once.
 */
export const MAX_CRPT_BATCH_JOB_SALES = 100;

export const crptBatchSaleSchema = crptReceiptJobSchema.extend({ attempts: z.number().int().min(0).optional() });

export interface CrptBatchSale {
  readonly fn: string;
  readonly fd: number;
  /** The stored copy's received_at (received-at-hint.ts), when the persist job that added the sale stored it. */
  readonly receivedAt?: string;
  /** CRPT attempts already used (a sale put back for another try); absent on a first try. */
  readonly attempts?: number;
}

export interface CrptBatchJob {
  readonly sales: readonly CrptBatchSale[];
}

/** The sales of a batch job, untrusted (each is validated on its own: one bad entry parks only itself). */
export function salesOfCrptBatch(data: unknown): unknown[] {
  if (data !== null && typeof data === 'object' && 'sales' in data && Array.isArray(data.sales)) return data.sales as unknown[];
  return [];
}

/**
 * A deterministic id: the job it came from and exactly what it carries (fnsBatchJobId's reasoning: a re-run re-adds
 * the same ids, a different set never hides behind one). crpt_sales decides what is really sent: a sale in two jobs
 * costs a lookup, never a second send.
 */
export function crptBatchJobId(origin: string, sales: readonly unknown[]): string {
  const hash = createHash('sha256').update(origin);
  for (const entry of sales) {
    const s = entry as Partial<CrptBatchSale> | null;
    // An entry that is no sale (put back as it came, to be parked by the processor) by its JSON.
    const isSale = typeof s === 'object' && s !== null && typeof s.fn === 'string' && typeof s.fd === 'number';
    hash.update(isSale ? `|${s.fn}:${s.fd}:${s.attempts ?? 0}` : `|?${JSON.stringify(entry) ?? ''}`);
  }
  return `crptb-${hash.digest('hex').slice(0, 32)}`;
}

/** Attempts per sale and their backoff: what BullMQ gave a one-sale job (JOB_OPTIONS.crpt: 5 s doubling, 16 attempts). */
export const DEFAULT_SALE_RETRY: DocumentRetryPolicy = retryPolicyOf(JOB_OPTIONS.crpt);

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
