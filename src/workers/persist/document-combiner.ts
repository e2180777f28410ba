/**
 * The persist worker's in-process combiner: the documents of several batch jobs running at once go into one transaction
 * of up to `batchSize` documents (fewer once the oldest has waited `maxDelayMs`), with at most `maxBatchesInFlight`
 * transactions at a time. So at a trickle every document is stored within `maxDelayMs` (50 ms by default), and from a full queue documents pile
 * up behind the running transactions and go in full ones: the transaction size adapts to what PostgreSQL takes.
 *
 * combine(documents) resolves with one result per document once they are committed (or found poison), and rejects when
 * the job must be retried as a whole (PostgreSQL unreachable, a deadlock).
 */
import type { Logger } from 'pino';
import type { Metrics } from '../../observability/metrics.js';
import { createMicroBatcher } from '../../queue/micro-batcher.js';
import { QueueNames } from '../../queue/queue-names.js';
import { PersistJobError, type PersistProcessor, type PersistResult } from './persist.processor.js';

export interface CombinerOptions {
  readonly processBatch: PersistProcessor;
  readonly logger: Logger;
  /** ofd_worker_job_duration_seconds{queue="documents"} is observed per transaction. */
  readonly metrics?: Metrics;
  readonly batchSize: number;
  readonly maxDelayMs: number;
  readonly maxBatchesInFlight: number;
}

export interface DocumentCombiner {
  (documents: readonly unknown[]): Promise<PersistResult[]>;
  /** Starts what is waiting now and resolves once every transaction finished. */
  close(): Promise<void>;
  /** Documents wait for a transaction: every transaction slot is taken (PostgreSQL sets the pace), or it is held. */
  backlogged(): boolean;
  /** While held, no new transaction starts (the running ones commit); close ignores the hold. */
  hold(held: boolean): void;
}

interface Entry {
  readonly documents: readonly unknown[];
  readonly resolve: (results: PersistResult[]) => void;
  readonly reject: (error: unknown) => void;
}

function sqlState(e: unknown): string {
  return e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' ? e.code : '';
}

/**
 * Whether a failed transaction is worth retrying one document per transaction: yes for what one row can cause (bad data,
 * a constraint, a deadlock); no when PostgreSQL itself is unreachable or shutting down (SQLSTATE classes 08, 53, 57, 58,
 * or no SQLSTATE at all: a socket error, a pool timeout) — every document would fail the same way.
 */
export function isPerJobError(e: unknown): boolean {
  const code = sqlState(e);
  if (!/^[0-9A-Z]{5}$/.test(code)) return false;
  return !['08', '53', '57', '58'].includes(code.slice(0, 2));
}

/**
 * A row PostgreSQL refuses whatever the timing or the configuration: the document is poison (classes 22 data exception,
 * 23 integrity constraint). Anything else — a deadlock (40), a missing database or privilege (3D, 42), a resource
 * limit — retries the job with backoff, and parks its documents only when it is out of attempts.
 */
function isPoison(e: unknown): boolean {
  return ['22', '23'].includes(sqlState(e).slice(0, 2));
}

/** One document per transaction, to find the one that failed the combined transaction. */
async function oneByOne(o: CombinerOptions, entry: Entry): Promise<void> {
  const results: PersistResult[] = [];
  let retry: unknown;
  for (const document of entry.documents) {
    try {
      results.push(...(await o.processBatch([document])));
    } catch (e) {
      if (!isPoison(e)) retry ??= e;
      const message = `PostgreSQL refused the document: ${sqlState(e)} ${(e as Error).message}`;
      results.push({ ok: false, error: new PersistJobError('PERSIST_REJECTED', message) });
    }
  }
  // A timing failure (deadlock) of one document: the job runs again; what was stored now is found stored then.
  if (retry !== undefined) entry.reject(retry);
  else entry.resolve(results);
}

/** One transaction of the documents of `entries`; settles every entry. */
async function run(o: CombinerOptions, entries: Entry[]): Promise<void> {
  const documents = entries.flatMap((e) => e.documents);
  const end = o.metrics?.worker.jobDuration.startTimer({ queue: QueueNames.documents });
  let results: PersistResult[];
  try {
    results = await o.processBatch(documents);
    end?.();
  } catch (error) {
    end?.();
    if (!isPerJobError(error)) {
      for (const e of entries) e.reject(error);
      return;
    }
    o.logger.warn({ documents: documents.length, err: (error as Error).message }, 'transaction failed; storing its documents one by one');
    for (const e of entries) await oneByOne(o, e);
    return;
  }
  let offset = 0;
  for (const e of entries) {
    e.resolve(results.slice(offset, offset + e.documents.length));
    offset += e.documents.length;
  }
}

export function createDocumentCombiner(o: CombinerOptions): DocumentCombiner {
  const batcher = createMicroBatcher<Entry>({
    maxBatch: o.batchSize,
    maxDelayMs: o.maxDelayMs,
    maxInFlight: o.maxBatchesInFlight,
    sizeOf: (e) => e.documents.length,
    // At shutdown everything waiting goes at once.
    drainBeyondLimit: true,
    run: (entries) => run(o, entries),
    // run settles every entry itself; this is a last resort so no job waits for ever.
    fail: (entries, e) => {
      for (const entry of entries) entry.reject(e);
    },
  });
  const combine = ((documents: readonly unknown[]) => {
    if (documents.length === 0) return Promise.resolve([]);
    return new Promise<PersistResult[]>((resolve, reject) => batcher.add({ documents, resolve, reject }));
  }) as DocumentCombiner;
  combine.close = () => batcher.drain();
  combine.backlogged = () => batcher.backlogged;
  combine.hold = (held) => batcher.hold(held);
  return combine;
}
