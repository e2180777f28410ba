/**
 * ofd_queue_jobs{queue,state}: read at scrape time from BullMQ (getJobCounts), not kept up to date by events — the counts
 * are Redis's, whichever process moved the jobs. Any role that serves /metrics can register it.
 */
import { Queue, type JobType } from 'bullmq';
import type { Metrics, QueueDepthSample } from '../observability/metrics.js';
import { QueueUnavailableError } from './errors.js';
import { QUEUE_NAMES, type QueueName } from './queue-names.js';
import { closeRedis, createProducerRedis, type RedisClient } from './redis-connection.js';

/** The states worth alerting on; `failed` is the dead letter (decision 8). */
export const QUEUE_DEPTH_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
] as const satisfies readonly JobType[];

export interface QueueDepthReaderOptions {
  /** A Redis URL (a fail-fast client is created and closed with the reader) or a caller-owned ioredis client. */
  readonly connection: string | RedisClient;
  readonly prefix: string;
  readonly queues?: readonly QueueName[];
}

export interface QueueDepthReader {
  /** Current counts for every (queue, state); rejects with QUEUE_UNAVAILABLE at once while Redis is down. */
  read(): Promise<QueueDepthSample[]>;
  close(): Promise<void>;
}

export function createQueueDepthReader(options: QueueDepthReaderOptions): QueueDepthReader {
  const ownsRedis = typeof options.connection === 'string';
  const redis = typeof options.connection === 'string'
    ? createProducerRedis(options.connection, { connectionName: `${options.prefix}:queue-depth` })
    : options.connection;
  // Connection errors surface as rejected reads (counted by ofd_queue_depth_errors_total); the listener only keeps the
  // EventEmitter from throwing.
  const ignore = (): void => undefined;
  redis.on('error', ignore);
  const queues = (options.queues ?? QUEUE_NAMES).map((name) => {
    const queue = new Queue(name, { connection: redis, prefix: options.prefix });
    queue.on('error', ignore);
    return { name, queue };
  });
  let closing: Promise<void> | undefined;

  return {
    async read() {
      if (redis.status !== 'ready') throw new QueueUnavailableError(`Redis is not connected (${redis.status})`);
      const counts = await Promise.all(queues.map(({ queue }) => queue.getJobCounts(...QUEUE_DEPTH_STATES)));
      return queues.flatMap(({ name }, i) =>
        QUEUE_DEPTH_STATES.map((state) => ({ queue: name, state, count: counts[i]?.[state] ?? 0 })),
      );
    },
    close() {
      closing ??= (async () => {
        await Promise.allSettled(queues.map(({ queue }) => queue.close()));
        if (ownsRedis) await closeRedis(redis);
        redis.off('error', ignore);
      })();
      return closing;
    },
  };
}

/** Wires a reader into ofd_queue_jobs; close() unregisters it and closes the reader. */
export function registerQueueDepthMetrics(
  metrics: Metrics,
  options: QueueDepthReaderOptions,
): { close(): Promise<void> } {
  const reader = createQueueDepthReader(options);
  const unregister = metrics.addQueueDepthSource(() => reader.read());
  return {
    close() {
      unregister();
      return reader.close();
    },
  };
}
