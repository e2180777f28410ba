/**
 * Reports of acknowledgements actually written (issue 13 item 4). The connection loop calls `written(fn, fd, code)` from
 * the socket write callback of an ack — only when it succeeded, so an ack to a connection that died first is never
 * reported. Reports are buffered in this process and flushed as ONE `acks` job every `flushMs` or `maxAcks` acks,
 * whichever comes first: no Redis round trip per message on the hot path. The acks worker records them in
 * document_acks (acked_at, ack_code); one that came before its document moves into the document's key row when the
 * document is stored (migration 0078).
 *
 * Losing reports never loses a document: a document is durable in the `documents` queue before its ack is even signed,
 * and reports travel separately. A crash (or a Redis outage longer than the buffer holds) loses only the reports not yet
 * flushed, which leaves those documents' acked_at null — "no ack known", the same as an ack that was never written.
 */
import { Queue } from 'bullmq';
import type { Logger } from '../observability/logger.js';
import { JOB_OPTIONS } from '../queue/job-options.js';
import { JobNames, type AckReportJob } from '../queue/jobs.js';
import { QueueNames } from '../queue/queue-names.js';
import { closeRedis, createProducerRedis } from '../queue/redis-connection.js';

export const DEFAULT_ACK_FLUSH_MS = 200;
export const DEFAULT_ACK_FLUSH_ACKS = 500;
/** Reports held while Redis does not take them (≈ 50 bytes each); beyond this the oldest are dropped and counted. */
export const DEFAULT_ACK_MAX_PENDING = 100_000;

type Ack = AckReportJob['acks'][number];

/** Where flushed reports go: a BullMQ queue's add (tests may pass their own). */
export type AckSink = (job: AckReportJob) => Promise<unknown>;

export interface AckReporterOptions {
  readonly sink: AckSink;
  readonly log: Logger;
  readonly flushMs?: number;
  readonly maxAcks?: number;
  readonly maxPending?: number;
  readonly now?: () => number;
}

export interface AckReporter {
  /** An ack for (fn, fd) with this 1022 code was written to the register's socket. Cheap: an array push. */
  written(fn: string, fd: number, code: number): void;
  /** Flushes what is buffered now (shutdown, tests). */
  flush(): Promise<void>;
  /** Flushes and stops. Idempotent. */
  close(): Promise<void>;
}

/**
 * Kept for the next flush, oldest dropped past the bound: a report is worth less than the gateway's memory. Returns
 * how many were dropped.
 */
function dropOldest(buffer: Ack[], maxPending: number): number {
  const excess = buffer.length - maxPending;
  if (excess <= 0) return 0;
  buffer.splice(0, excess);
  return excess;
}

export function createAckReporter(o: AckReporterOptions): AckReporter {
  const flushMs = o.flushMs ?? DEFAULT_ACK_FLUSH_MS;
  const maxAcks = o.maxAcks ?? DEFAULT_ACK_FLUSH_ACKS;
  const maxPending = o.maxPending ?? DEFAULT_ACK_MAX_PENDING;
  const now = o.now ?? Date.now;
  let buffer: Ack[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let dropped = 0;
  let closed = false;

  async function send(batch: Ack[]): Promise<void> {
    try {
      await o.sink({ acks: batch });
    } catch (e) {
      buffer = batch.concat(buffer);
      dropped += dropOldest(buffer, maxPending);
      o.log.warn({ err: (e as Error).message, pending: buffer.length, dropped }, 'ack report not sent; kept for the next flush');
      arm();
    }
  }

  function flushNow(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (buffer.length === 0) return flushing;
    const batch = buffer;
    buffer = [];
    // One flush at a time, in order; a failed one puts its acks back before the next takes the buffer.
    flushing = flushing.then(() => send(batch));
    return flushing;
  }

  function arm(): void {
    if (timer || closed) return;
    timer = setTimeout(() => void flushNow(), flushMs);
    timer.unref();
  }

  return {
    written(fn, fd, code) {
      buffer.push([fn, fd, code, now()]);
      if (buffer.length >= maxAcks) void flushNow();
      else arm();
    },
    flush: flushNow,
    async close() {
      if (closed) return flushing;
      closed = true;
      await flushNow();
      // What a failed last flush put back is lost with the process: those documents keep acked_at null.
      if (timer) clearTimeout(timer);
    },
  };
}

/** The gateway's reporter on a Redis connection of its own, into the `acks` queue. */
export function startAckReports(options: { redisUrl: string; prefix: string; log: Logger; flushMs?: number; maxAcks?: number }): AckReporter {
  const connection = createProducerRedis(options.redisUrl, { connectionName: `${options.prefix}:gateway:acks` });
  connection.on('error', (e: Error) => options.log.warn({ err: e.message }, 'redis connection error (ack reports)'));
  const queue = new Queue<AckReportJob>(QueueNames.acks, { connection, prefix: options.prefix, defaultJobOptions: JOB_OPTIONS.acks });
  queue.on('error', (e: Error) => options.log.warn({ err: e.message }, 'queue error (ack reports)'));
  const reporter = createAckReporter({
    sink: (job) => queue.add(JobNames.acks, job),
    log: options.log,
    ...(options.flushMs === undefined ? {} : { flushMs: options.flushMs }),
    ...(options.maxAcks === undefined ? {} : { maxAcks: options.maxAcks }),
  });
  return {
    written: reporter.written,
    flush: reporter.flush,
    async close() {
      await reporter.close();
      await queue.close().catch(() => undefined);
      await closeRedis(connection);
    },
  };
}
