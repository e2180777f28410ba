/**
 * ioredis clients for the two sides of the queues. They want opposite failure behaviour:
 *
 * - a PRODUCER sits on the ack path: while Redis is unreachable every command must fail at once, so the gateway does not
 *   ack and the register re-sends later. No offline queue, no resending of in-flight commands after a reconnect, a command
 *   timeout for a Redis that accepts the connection but does not answer; reconnection goes on in the background.
 * - a WORKER must wait out an outage: BullMQ requires `maxRetriesPerRequest: null` for its blocking connection and
 *   recovers by itself once commands can run again.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisTarget, type RedisClusterTarget } from '../domain/redis-target.js';

/** One Redis server (with or without replicas) or a Redis Cluster: every caller works with either. */
export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /** Shown in `CLIENT LIST`, e.g. `ofd:gateway:producer`. */
  readonly connectionName?: string;
  /** Give up one connection attempt after this long (the socket is retried later). */
  readonly connectTimeoutMs?: number;
  /** Reject a command not answered within this long. Producer only. */
  readonly commandTimeoutMs?: number;
  /** Longest pause between reconnection attempts. */
  readonly maxReconnectDelayMs?: number;
}

export const PRODUCER_DEFAULTS = {
  connectTimeoutMs: 1000,
  // Generous against fsync stalls under `appendfsync always`, well under the registers' ≈ 3 s give-up (spec §8).
  commandTimeoutMs: 1000,
  maxReconnectDelayMs: 1000,
} as const;

export const WORKER_DEFAULTS = {
  connectTimeoutMs: 5000,
  maxReconnectDelayMs: 5000,
} as const;

function reconnectDelay(maxMs: number): (attempt: number) => number {
  // Never give up (a number, not null): the producer must recover by itself when Redis returns.
  return (attempt) => Math.min(100 * attempt, maxMs);
}

export function producerRedisOptions(options: RedisClientOptions = {}): RedisOptions {
  return {
    connectionName: options.connectionName,
    enableOfflineQueue: false,
    // 0: commands in flight when the connection drops are rejected at once instead of re-sent after a reconnect.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: options.connectTimeoutMs ?? PRODUCER_DEFAULTS.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs ?? PRODUCER_DEFAULTS.commandTimeoutMs,
    retryStrategy: reconnectDelay(options.maxReconnectDelayMs ?? PRODUCER_DEFAULTS.maxReconnectDelayMs),
  };
}

export function workerRedisOptions(options: RedisClientOptions = {}): RedisOptions {
  return {
    connectionName: options.connectionName,
    // BullMQ: required for Worker (blocking) connections; commands wait for the connection to come back.
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    connectTimeout: options.connectTimeoutMs ?? WORKER_DEFAULTS.connectTimeoutMs,
    retryStrategy: reconnectDelay(options.maxReconnectDelayMs ?? WORKER_DEFAULTS.maxReconnectDelayMs),
  };
}

/**
 * Cluster mode: the same two behaviours. The per-node clients take the options that ClusterOptions lets through
 * (ioredis itself decides their reconnection and offline queue: a lost node is dropped and the slots are fetched again);
 * the Cluster's own offline queue and retry strategy carry the producer's / worker's choice.
 */
function clusterOptions(target: RedisClusterTarget, node: RedisOptions, retryStrategy: (attempt: number) => number): ClusterOptions {
  const { retryStrategy: _r, enableOfflineQueue: _o, ...redisOptions } = node;
  return {
    enableOfflineQueue: node.enableOfflineQueue,
    clusterRetryStrategy: retryStrategy,
    // A failover takes cluster-node-timeout plus an election: keep retrying a moved or down slot for a while; the
    // producer's own enqueue deadline bounds what the gateway waits.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    redisOptions: {
      ...redisOptions,
      ...(target.username !== undefined ? { username: target.username } : {}),
      ...(target.password !== undefined ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
  };
}

function createClient(url: string, options: RedisOptions, maxReconnectDelayMs: number): RedisClient {
  const target = parseRedisTarget(url);
  if (target.kind === 'single') return new Redis(target.url, options);
  return new Cluster([...target.nodes], clusterOptions(target, options, reconnectDelay(maxReconnectDelayMs)));
}

/** A fail-fast client for producers (the gateway's document producer, the persist worker's forwarding producers). */
export function createProducerRedis(url: string, options: RedisClientOptions = {}): RedisClient {
  return createClient(url, producerRedisOptions(options), options.maxReconnectDelayMs ?? PRODUCER_DEFAULTS.maxReconnectDelayMs);
}

/** A patient client for BullMQ Workers and QueueEvents. */
export function createWorkerRedis(url: string, options: RedisClientOptions = {}): RedisClient {
  return createClient(url, workerRedisOptions(options), options.maxReconnectDelayMs ?? WORKER_DEFAULTS.maxReconnectDelayMs);
}

/** Closes a client whatever its state: QUIT when connected (lets replies drain), a hard disconnect otherwise. */
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // Lost the connection meanwhile: fall through to disconnect.
    }
  }
  redis.disconnect();
}
