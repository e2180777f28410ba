/**
 * Jobs of the `fns` queue. Batch jobs (issue 12): the persist worker adds one job per persist job — its stored documents —
 * instead of one per document. A job per document cost the fns path ≈ 30 Redis commands and a BullMQ round of its own
 * per document (bench/stages.bench.ts); a batch job costs that once per batch.
 *
 *   send-batch-to-fns  { documents: [{ fn, fd, attempts? }] }   attempts: FNS attempts the document has used (absent 0)
 *   send-to-fns        { fn, fd }                               one document: what `ofd dlq replay` re-adds, and what
 *                                                               older persist workers added; still served
 *
 * Retries are per document, not per job: the documents of a batch that must be tried again go back as a smaller batch,
 * delayed by the backoff of their own attempt count (JOB_OPTIONS.fns: 5 s doubling, 16 attempts); one the FNS refuses
 * for good ends alone in dead_letters (as a `send-to-fns` job, so a replay sends just it); the rest complete.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { JOB_OPTIONS } from './job-options.js';
import { retryPolicyOf, type DocumentRetryPolicy } from './item-retry.js';

export const FNS_BATCH_JOB = 'send-batch-to-fns';

/** Documents per batch job the persist worker adds (a persist job holds ≈ 100; a combined one up to 1 000). */
export const MAX_FNS_BATCH_JOB_DOCUMENTS = 500;

/** A one-document job (`send-to-fns`, JobNames.fns): FnsJob of jobs.ts. */
export const fnsJobSchema = z.object({
  fn: z.string().regex(/^\d{16}$/),
  fd: z.number().int().min(1).max(0xffff_ffff),
});

export interface FnsBatchDocument {
  readonly fn: string;
  readonly fd: number;
  /** FNS attempts already used (a re-enqueued document); absent on a first try. */
  readonly attempts?: number;
}

export interface FnsBatchJob {
  readonly documents: readonly FnsBatchDocument[];
}

export const fnsBatchDocumentSchema = z.object({
  fn: z.string().regex(/^\d{16}$/),
  fd: z.number().int().min(1).max(0xffff_ffff),
  attempts: z.number().int().min(0).optional(),
});

/** The documents of a batch job, untrusted (each is validated on its own: one bad entry parks only itself). */
export function documentsOfFnsBatch(data: unknown): unknown[] {
  if (data !== null && typeof data === 'object' && 'documents' in data && Array.isArray(data.documents)) return data.documents as unknown[];
  return [];
}

/**
 * A deterministic id: the job it came from and exactly what it carries. A job run again (a retry after PostgreSQL
 * failed, a stalled job retaken) re-adds the same ids — BullMQ makes that a no-op — while a different set of documents
 * never hides behind an id already used. PostgreSQL (fns_status) decides what is really sent, so an extra copy of a
 * document in two jobs costs a lookup, never a second send.
 */
export function fnsBatchJobId(origin: string, documents: readonly FnsBatchDocument[]): string {
  const hash = createHash('sha256').update(origin);
  for (const d of documents) hash.update(`|${d.fn}:${d.fd}:${d.attempts ?? 0}`);
  return `fnsb-${hash.digest('hex').slice(0, 32)}`;
}

export const DEFAULT_DOCUMENT_RETRY: DocumentRetryPolicy = retryPolicyOf(JOB_OPTIONS.fns);
