/**
 * Durability across a failover (issue 12, "When one machine is not enough"). A write that Redis has answered is in the
 * master's memory (and AOF); if the master dies before its replica has the write, the promoted replica never had it and
 * an acknowledged document is gone. `WAIT numreplicas timeout` blocks until that many replicas have every write sent
 * earlier ON THE SAME CONNECTION, and answers how many did. So the producer follows its write with WAIT on the
 * connection that carried it, and acknowledges nothing when fewer replicas confirmed (the register re-sends).
 *
 * With a Redis Cluster the write went to the master owning the slot of the queue's hash tag, over the cluster client's
 * connection to that node; WAIT must go there too (a WAIT routed to another node would answer about other writes).
 * The slot's master is read from the client's slot table after the write has resolved: a write redirected by MOVED
 * (after a failover) has updated that table to the node that took it.
 */
import { Cluster, type Redis } from 'ioredis';
import { QueueError, QueueErrorCodes, QueueUnavailableError } from './errors.js';
import type { RedisClient } from './redis-connection.js';
import { keySlot } from '../domain/redis-target.js';

function nodeKey(redis: Redis): string {
  return `${redis.options.host ?? '127.0.0.1'}:${redis.options.port ?? 6379}`;
}

/** The cluster client's connection to the master of `key`'s slot; undefined while the slot table lacks it. */
export function masterConnectionForKey(cluster: Cluster, key: string): Redis | undefined {
  const master = cluster.slots[keySlot(key)]?.[0];
  if (master === undefined) return undefined;
  return cluster.nodes('master').find((node) => nodeKey(node) === master);
}

export interface ReplicaWait {
  /** Replicas that must confirm; 0 turns the wait off. */
  readonly replicas: number;
  /** How long WAIT may block on the server. */
  readonly timeoutMs: number;
}

/**
 * Resolves when at least `wait.replicas` replicas have every write this client sent for `key`'s slot so far; rejects with
 * QUEUE_NOT_REPLICATED when fewer confirmed within the timeout, with QUEUE_UNAVAILABLE when the node is unreachable.
 */
export async function waitForReplicas(redis: RedisClient, key: string, wait: ReplicaWait): Promise<void> {
  if (wait.replicas <= 0) return;
  let connection: Redis;
  if (redis instanceof Cluster) {
    const node = masterConnectionForKey(redis, key);
    if (!node) throw new QueueUnavailableError(`no known master for the slot of ${key} (cluster slots not loaded)`);
    connection = node;
  } else {
    connection = redis;
  }
  let confirmed: number;
  try {
    confirmed = await connection.wait(wait.replicas, wait.timeoutMs);
  } catch (e) {
    throw new QueueUnavailableError(`WAIT for ${wait.replicas} replica(s) failed: ${(e as Error).message}`, { cause: e });
  }
  if (confirmed < wait.replicas) {
    throw new QueueError(
      QueueErrorCodes.QUEUE_NOT_REPLICATED,
      `${confirmed} of ${wait.replicas} replica(s) confirmed the write within ${wait.timeoutMs} ms`,
    );
  }
}
