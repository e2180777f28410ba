/**
 * What "durable" means for a resolved enqueue depends on how Redis persists (architecture decision 1):
 *
 * - `appendfsync always`: Redis writes AND fsyncs the AOF before it sends the replies of that event-loop turn (Redis
 *   flushes the AOF in beforeSleep, ahead of the pending client writes), so a resolved addBulk is on disk.
 * - `appendfsync everysec`: the write is in the kernel page cache when the reply arrives; it survives a Redis crash
 *   (SIGKILL), and at most ≈ 1 s of writes is lost on a power or kernel failure.
 * - no AOF: a Redis restart loses every queued document that was already acknowledged.
 *
 * A per-write fsync confirmation exists only from Redis 7.2 on: `WAITAOF numlocal numreplicas timeout`. The Redis here is
 * 7.0, so the producer does not offer it; on 7.2+ it could follow each addBulk with `WAITAOF 1 0 <ms>` and reject the
 * batch when the reply's first element is 0.
 */
import type { RedisClient } from './redis-connection.js';

export type AppendFsync = 'always' | 'everysec' | 'no';

export interface RedisPersistence {
  readonly version: string | undefined;
  readonly aofEnabled: boolean;
  /** undefined when CONFIG is not allowed (managed Redis, ACL). */
  readonly appendfsync: AppendFsync | undefined;
}

function infoField(info: string, field: string): string | undefined {
  const match = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return match?.[1]?.trim();
}

/** Reads how the server persists: INFO always works; CONFIG GET may be forbidden. */
export async function readRedisPersistence(redis: RedisClient): Promise<RedisPersistence> {
  const info = await redis.info();
  let appendfsync: AppendFsync | undefined;
  try {
    const reply = (await redis.config('GET', 'appendfsync')) as unknown;
    const value = Array.isArray(reply) ? reply[1] : undefined;
    if (value === 'always' || value === 'everysec' || value === 'no') appendfsync = value;
  } catch {
    appendfsync = undefined;
  }
  return {
    version: infoField(info, 'redis_version'),
    aofEnabled: infoField(info, 'aof_enabled') === '1',
    appendfsync,
  };
}

/** A line for the log when acknowledged documents would not survive a Redis restart or a power loss; else undefined. */
export function persistenceWarning(p: RedisPersistence): string | undefined {
  if (!p.aofEnabled) {
    return 'Redis has no AOF (appendonly no): documents acknowledged but not yet persisted are lost if Redis restarts';
  }
  if (p.appendfsync === 'no') {
    return 'Redis AOF uses appendfsync no: acknowledged documents can be lost on a power failure; use everysec or always';
  }
  return undefined;
}
