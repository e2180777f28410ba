/**
 * The marking listener (spec §6, OFD_MARKING_PORT, default 4001): a `node:net` server for `DD80CAA1` traffic. Per
 * connection: the streaming framer (header checked from its 4th byte, length capped before buffering), messages handled
 * one at a time in order (handle-marking.ts), each answer written in one `socket.write()`, an idle timeout, a whole-
 * message timeout against slow senders. Bad input closes the connection and is counted, never crashes.
 *
 * Sale notifications go on the `crpt` queue (BullMQ, the queue's default job options, deterministic ids) through a
 * producer connection this listener owns; the crpt worker forwards them.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Framer, type Frame } from '../../protocol/framer.js';
import type { CrptClient } from '../adapters/crpt/http-crpt-client.js';
import { connectionLogger, newConnectionId, type Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { JOB_OPTIONS } from '../queue/job-options.js';
import { QueueNames } from '../queue/queue-names.js';
import { closeRedis, createProducerRedis } from '../queue/redis-connection.js';
import { createAdmission, type Client } from '../gateway/admission.js';
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
  readonly maxConnections?: number;
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
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const messageTimeoutMs = options.messageTimeoutMs ?? 10_000;
  const gm = options.metrics?.gateway;

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

  const sockets = new Set<net.Socket>();
  const busy = new Set<Promise<void>>();

  const admission = createAdmission(
    { proxyProtocol: options.proxyProtocol ?? false, maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? 0, headerTimeoutMs: messageTimeoutMs },
    { countRejection: (code) => gm?.protocolErrors.inc({ code }), log },
  );
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    admission.admit(socket, (client) => serve(socket, client));
  });

  function serve(socket: net.Socket, client: Client): void {
    const clog = connectionLogger(log, { connectionId: newConnectionId(), remoteAddress: client.address, remotePort: client.port, listener: 'marking' });
    const framer = new Framer();
    const queueOfFrames: { frame: Frame; at: number }[] = [];
    let working = false;
    let messageTimer: NodeJS.Timeout | undefined;
    let closed = false;
    socket.setTimeout(idleTimeoutMs, () => {
      clog.debug('idle timeout');
      socket.destroy();
    });
    const fail = (code: string, message: string) => {
      gm?.protocolErrors.inc({ code });
      clog.info({ code, err: message }, 'closing marking connection');
      closed = true;
      socket.destroy();
    };
    async function drain(): Promise<void> {
      if (working) return;
      working = true;
      try {
        while (queueOfFrames.length > 0 && !closed) {
          const next = queueOfFrames.shift()!;
          const outcome = await handleMarkingMessage(next.frame, deps, next.at);
          if (outcome.action === 'close') return fail(outcome.code, outcome.message);
          gm?.messages.inc({ result: outcome.result });
          if (outcome.action === 'reply' && !socket.destroyed) socket.write(outcome.reply);
        }
      } catch (e) {
        clog.error({ err: e }, 'marking message handling failed');
        fail('GW_INTERNAL', (e as Error).message);
      } finally {
        working = false;
      }
    }
    socket.on('data', (chunk: Buffer) => {
      if (closed) return;
      let frames: Frame[];
      try {
        frames = framer.push(chunk);
      } catch (e) {
        return fail((e as { code?: string }).code ?? 'PROTO_ERROR', (e as Error).message);
      }
      const at = Date.now();
      for (const frame of frames) queueOfFrames.push({ frame, at });
      clearTimeout(messageTimer);
      messageTimer = framer.inMessage ? setTimeout(() => fail('GW_MESSAGE_TIMEOUT', 'message not completed in time'), messageTimeoutMs) : undefined;
      if (frames.length > 0) {
        const p = drain().finally(() => busy.delete(p));
        busy.add(p);
      }
    });
    socket.on('error', (e) => clog.debug({ err: e.message }, 'socket error'));
    socket.on('close', () => {
      closed = true;
      clearTimeout(messageTimer);
    });
  }
  server.maxConnections = options.maxConnections ?? 20_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host ?? '0.0.0.0' }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, 'marking listener listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((r) => server.close(() => r()));
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([Promise.all([...busy]), new Promise<void>((r) => (timer = setTimeout(r, 5000)))]);
        clearTimeout(timer);
        for (const s of sockets) s.destroy();
        await stopped;
        await queue?.close().catch(() => undefined);
        if (redis) await closeRedis(redis);
      })()),
  };
}
