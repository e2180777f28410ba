/**
 * The marking listener (spec §6, OFD_MARKING_PORT, default 4001): the shared listener and connection loop
 * (net/server.ts, net/connection.ts) with the marking handler (handle-marking.ts), so this port has the same
 * framing caps, in-flight cap, back-pressure on unread answers, timers that a trickle of bytes cannot reset, admission
 * (PROXY protocol, per-address cap, the process's connection budget) and counted closes as the document port.
 *
 * Sale notifications go on the `crpt` queue (BullMQ, the queue's default job options, deterministic ids) through a
 * producer connection this listener owns; the crpt worker forwards them.
 */
import { Queue } from 'bullmq';
import type { CrptClient } from '../adapters/crpt/http-crpt-client.js';
import type { ConnectionBudget } from '../net/connection-budget.js';
import type { ConnectionOptions } from '../net/connection.js';
import { startListener } from '../net/server.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { JOB_OPTIONS } from '../queue/job-options.js';
import { QueueNames } from '../queue/queue-names.js';
import { closeRedis, createProducerRedis } from '../queue/redis-connection.js';
import { handleMarkingMessage, type MarkingDeps } from './handle-marking.js';

export interface MarkingListenerOptions {
  readonly host?: string;
  readonly port: number;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly masterKey: string;
  /** Default true; false only under OFD_CRYPTO=none. */
  readonly verifySigns?: boolean;
  /** CRPT for code checks; without it every check is answered "unable to check". Not closed by the listener. */
  readonly crptClient?: CrptClient;
  /** Where notifications are enqueued: REDIS_URL and OFD_QUEUE_PREFIX. */
  readonly redisUrl?: string;
  readonly prefix?: string;
  /** Instead of redisUrl (tests): the enqueue itself. */
  readonly enqueueNotification?: MarkingDeps['enqueueNotification'];
  readonly budgetMs?: number;
  readonly utcOffsetMinutes?: number;
  readonly idleTimeoutMs?: number;
  readonly messageTimeoutMs?: number;
  /** The other timers and caps of the connection loop (first byte, write stall, in-flight). */
  readonly connection?: Partial<ConnectionOptions>;
  readonly maxConnections?: number;
  /** The process's connection budget, shared with the document port (main.ts). */
  readonly budget?: ConnectionBudget;
  /** See GatewayOptions: per-address cap (0 = none) and the PROXY protocol header. */
  readonly maxConnectionsPerAddress?: number;
  readonly proxyProtocol?: boolean;
}

export interface MarkingListener {
  readonly port: number;
  close(): Promise<void>;
}

export async function startMarkingListener(options: MarkingListenerOptions): Promise<MarkingListener> {
  const log = options.logger.child({ listener: 'marking' });
  const timers = {
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    ...(options.messageTimeoutMs === undefined ? {} : { messageTimeoutMs: options.messageTimeoutMs }),
  };

  let queue: Queue | undefined;
  let redis: ReturnType<typeof createProducerRedis> | undefined;
  let enqueue = options.enqueueNotification;
  if (!enqueue) {
    if (!options.redisUrl) throw new Error('the marking listener needs redisUrl (or enqueueNotification) to queue sale notifications');
    redis = createProducerRedis(options.redisUrl, { connectionName: `${options.prefix ?? 'ofd'}:marking` });
    redis.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
    const q = new Queue(QueueNames.crpt, { connection: redis, prefix: options.prefix ?? 'ofd', defaultJobOptions: JOB_OPTIONS.crpt });
    q.on('error', (e: Error) => log.warn({ err: e.message }, 'queue error'));
    queue = q;
    enqueue = (name, jobId, job) => q.add(name, job, { jobId });
  }
  const client = options.crptClient;
  const deps: MarkingDeps = {
    masterKey: options.masterKey,
    verifySigns: options.verifySigns ?? true,
    ...(client ? { checkCodes: (codes: readonly string[]) => client.checkCodes(codes) } : {}),
    enqueueNotification: enqueue,
    ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
    utcOffsetMinutes: options.utcOffsetMinutes ?? 180,
  };

  const gateway = await startListener({
    handler: (frame, receivedAtMs) => handleMarkingMessage(frame, deps, receivedAtMs),
    // Without the process's metrics (tests) the loop still counts, into a registry nobody reads.
    metrics: (options.metrics ?? createMetrics({ defaultMetrics: false, roles: [] })).gateway,
    log,
    ...(options.budget ? { budget: options.budget } : {}),
    options: {
      listener: 'marking',
      host: options.host ?? '0.0.0.0',
      port: options.port,
      shutdownTimeoutMs: 5000,
      ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
      ...(options.maxConnectionsPerAddress === undefined ? {} : { maxConnectionsPerAddress: options.maxConnectionsPerAddress }),
      proxyProtocol: options.proxyProtocol ?? false,
      connection: { idleTimeoutMs: 30_000, ...options.connection, ...timers },
    },
  });
  log.info({ port: gateway.port }, 'marking listener listening');

  let closing: Promise<void> | undefined;
  return {
    port: gateway.port,
    close: () =>
      (closing ??= (async () => {
        await gateway.close();
        await queue?.close().catch(() => undefined);
        if (redis) await closeRedis(redis);
      })()),
  };
}
