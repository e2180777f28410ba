import { codeTable, CodedError, type CodeOf } from '../domain/errors.js';

/**
 * Failures of the queue layer. Codes are stable: the gateway, metrics labels and tests use them.
 *
 * - QUEUE_UNAVAILABLE     Redis is unreachable or did not answer in time: the job is NOT known to be durable, so do not
 *                         ack.
 * - QUEUE_OVERLOADED      Too many enqueues are waiting for Redis; shed load rather than grow memory without bound.
 * - QUEUE_NOT_REPLICATED  Redis has the write but fewer replicas confirmed it than asked (OFD_REDIS_WAIT_REPLICAS)
 *                         within the timeout: a failover now could lose it, so do not ack; the register re-sends
 *                         (PostgreSQL keeps one copy).
 * - QUEUE_CLOSED          enqueue() after close() began.
 * - QUEUE_BAD_JOB_ID      The FN or FD cannot form a job id (not 16 digits / not a uint32 ≥ 1).
 */
export const QueueErrorCodes = codeTable(
  'QUEUE_UNAVAILABLE',
  'QUEUE_OVERLOADED',
  'QUEUE_NOT_REPLICATED',
  'QUEUE_CLOSED',
  'QUEUE_BAD_JOB_ID',
);

export type QueueErrorCode = CodeOf<typeof QueueErrorCodes>;

export class QueueError extends CodedError<QueueErrorCode> {
  override readonly name: string = 'QueueError';
}

/** Redis unreachable or too slow: the caller must not acknowledge; the register will re-send. */
export class QueueUnavailableError extends QueueError {
  override readonly name = 'QueueUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(QueueErrorCodes.QUEUE_UNAVAILABLE, message, options);
  }
}

export function isQueueError(e: unknown): e is QueueError {
  return e instanceof QueueError;
}
