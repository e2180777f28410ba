/**
 * Fixed-window counters shared by every API process through Redis (keys under the queue prefix), for the limits that
 * must hold across processes: failed logins per account (brute force) and e-receipt sends per organization.
 * Without Redis (a single process, some tests) an in-memory store with the same behaviour stands in.
 */
import type { RedisClient } from '../queue/redis-connection.js';
import { ApiError } from './errors.js';

export interface Hit {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window ends. */
  ttlMs: number;
}

export interface CounterStore {
  /** Counts a hit on `key`; the window starts with the first hit and lasts `windowMs`. */
  hit(key: string, windowMs: number): Promise<Hit>;
  /** Milliseconds left of a flag set by `flag`, 0 when not set. */
  flagged(key: string): Promise<number>;
  /** Sets a flag that expires after `ttlMs`. */
  flag(key: string, ttlMs: number): Promise<void>;
  reset(...keys: string[]): Promise<void>;
}

// INCR, start the window on the first hit, answer the count and the time left (one round trip, atomic).
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/**
 * A Redis that does not answer (down, not yet connected: the client fails fast) is the server's trouble, not the caller's:
 * a typed 503 that says so, never a 500. Nothing was counted, so the caller may simply try again.
 */
async function limitsCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw Object.assign(new ApiError('LIMITS_UNAVAILABLE', `the limits store (Redis) did not answer: ${(e as Error).message}`), { cause: e });
  }
}

export function redisCounterStore(redis: RedisClient, prefix: string): CounterStore {
  const store = rawRedisCounterStore(redis, prefix);
  return {
    hit: (key, windowMs) => limitsCall(() => store.hit(key, windowMs)),
    flagged: (key) => limitsCall(() => store.flagged(key)),
    flag: (key, ttlMs) => limitsCall(() => store.flag(key, ttlMs)),
    reset: (...keys) => limitsCall(() => store.reset(...keys)),
  };
}

function rawRedisCounterStore(redis: RedisClient, prefix: string): CounterStore {
  const k = (key: string) => `${prefix}:${key}`;
  return {
    async hit(key, windowMs) {
      const [count, ttlMs] = (await redis.eval(HIT_SCRIPT, 1, k(key), String(windowMs))) as [number, number];
      return { count, ttlMs };
    },
    async flagged(key) {
      const ttl = await redis.pttl(k(key));
      return ttl > 0 ? ttl : 0;
    },
    async flag(key, ttlMs) {
      await redis.set(k(key), '1', 'PX', Math.max(1, Math.round(ttlMs)));
    },
    async reset(...keys) {
      // One DEL per key: on a Redis Cluster the keys may live in different slots (a multi-key DEL would be CROSSSLOT).
      await Promise.all(keys.map((key) => redis.del(k(key))));
    },
  };
}

export function memoryCounterStore(now: () => number = Date.now): CounterStore {
  const entries = new Map<string, { count: number; until: number }>();
  const live = (key: string) => {
    const e = entries.get(key);
    if (e && e.until <= now()) entries.delete(key);
    return entries.get(key);
  };
  return {
    async hit(key, windowMs) {
      const e = live(key) ?? { count: 0, until: now() + windowMs };
      e.count += 1;
      entries.set(key, e);
      return { count: e.count, ttlMs: e.until - now() };
    },
    async flagged(key) {
      const e = live(key);
      return e ? e.until - now() : 0;
    },
    async flag(key, ttlMs) {
      entries.set(key, { count: 1, until: now() + ttlMs });
    },
    async reset(...keys) {
      for (const key of keys) entries.delete(key);
    },
  };
}
