/**
 * Sending from an outbox (webhook_deliveries, notification_emails) and the e-receipt deliveries: one send timed, then
 * delivered, or failed — for good once the row is out of attempts or the failure is terminal, else retried after an
 * exponential backoff. What each outbox records is its own (its repository); the flow and the metrics are this.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';

/** How an outbox is drained (each dispatcher has its defaults). */
export interface OutboxOptions {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Attempts per row before it is failed (and dead-lettered). */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt. */
  readonly backoffBaseMs?: number;
  /** Longest retry delay. */
  readonly backoffMaxMs?: number;
  /** Rows claimed per round. */
  readonly batchSize?: number;
  /** A claimed row not recorded within this is claimed again. */
  readonly leaseMs?: number;
}

export interface SendFailure {
  readonly code: string;
  readonly message: string;
  /** False: the far side refused for good (no retry whatever the attempts left). */
  readonly retryable: boolean;
}

/** A thrown adapter error as a failure; only an adapter that says so (`retryable: false`) stops the retries. */
export function failureOf(e: unknown): SendFailure {
  const err = e as { code?: unknown; message?: unknown; retryable?: unknown };
  return {
    code: typeof err.code === 'string' ? err.code : 'NOTIFY_SEND_FAILED',
    message: typeof err.message === 'string' ? err.message : String(e),
    retryable: err.retryable !== false,
  };
}

/** Exponential backoff after the n-th attempt: base × 2^(n−1), at most max. */
export function outboxBackoffMs(base: number, max: number, attempts: number): number {
  return Math.min(max, base * 2 ** (attempts - 1));
}

export interface OutboxSend<F extends SendFailure> {
  /** ofd_forward_total / ofd_forward_latency_seconds label. */
  readonly target: string;
  readonly metrics?: Metrics | undefined;
  /** Sends; resolves undefined when delivered, or the failure. */
  readonly send: () => Promise<F | undefined>;
  /** Whether a failure ends the row (out of attempts, terminal). */
  readonly isFinal: (failure: F) => boolean;
  readonly delivered: () => Promise<void>;
  /** Records the failure: for good (`final`), or to be retried. */
  readonly failed: (failure: F, final: boolean) => Promise<void>;
}

/** One send of one outbox row, timed and counted. */
export async function sendFromOutbox<F extends SendFailure>(o: OutboxSend<F>): Promise<void> {
  const end = o.metrics?.forward.latency.startTimer({ target: o.target });
  const failure = await o.send();
  end?.();
  if (failure === undefined) {
    await o.delivered();
    o.metrics?.forward.total.inc({ target: o.target, result: 'ok' });
    return;
  }
  const final = o.isFinal(failure);
  o.metrics?.forward.total.inc({ target: o.target, result: final ? 'failed' : 'retry' });
  await o.failed(failure, final);
}

/** Claims the due rows of an outbox and sends them all at once; returns how many were attempted. */
export async function dispatchDue<T>(claim: () => Promise<readonly T[]>, deliver: (row: T) => Promise<void>): Promise<number> {
  const due = await claim();
  await Promise.all(due.map(deliver));
  return due.length;
}
