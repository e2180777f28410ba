// REDIS_URL's two forms and Redis Cluster's key slots. Expected slots are what `CLUSTER KEYSLOT` of redis-server 7.0
// answered for each key (12739 for "123456789" is also the example of the Redis Cluster specification).
import { describe, expect, it } from 'vitest';
import { hashTag, isRedisClusterUrl, keySlot, parseRedisTarget, RedisUrlError } from '../../../src/domain/redis-target.js';

describe('parseRedisTarget', () => {
  it('passes a single-server URL through unchanged', () => {
    expect(parseRedisTarget('redis://127.0.0.1:6379')).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
    expect(parseRedisTarget('rediss://u:p@cache:6380/2')).toEqual({ kind: 'single', url: 'rediss://u:p@cache:6380/2' });
  });

  it('reads the seed nodes, credentials and TLS of a cluster URL', () => {
    expect(parseRedisTarget('redis+cluster://10.0.0.1:7000,10.0.0.2:7001,[::1]:7002')).toEqual({
      kind: 'cluster',
      nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }, { host: '::1', port: 7002 }],
      username: undefined,
      password: undefined,
      tls: false,
    });
    expect(parseRedisTarget('rediss+cluster://ofd:p%40ss@redis-a:6379/')).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'redis-a', port: 6379 }],
      username: 'ofd',
      password: 'p@ss',
      tls: true,
    });
    // The default user's password, as in redis:// URLs.
    expect(parseRedisTarget('redis+cluster://:secret@a:1')).toMatchObject({ username: undefined, password: 'secret' });
  });

  it.each([
    ['http://127.0.0.1:6379'],
    ['not a url'],
    ['redis+cluster://'],
    ['redis+cluster://a'],
    ['redis+cluster://a:0'],
    ['redis+cluster://a:70000'],
    ['redis+cluster://a:1/2'],
    ['redis+cluster://a:1?db=2'],
  ])('refuses %j', (url) => {
    expect(() => parseRedisTarget(url)).toThrow(RedisUrlError);
  });

  it('tells the cluster form apart', () => {
    expect(isRedisClusterUrl('redis+cluster://a:1')).toBe(true);
    expect(isRedisClusterUrl('REDISS+CLUSTER://a:1')).toBe(true);
    expect(isRedisClusterUrl('redis://a:1')).toBe(false);
  });
});

describe('keySlot', () => {
  it.each([
    ['123456789', 12739],
    ['foo', 12182],
    ['hello', 866],
    ['{ofd}:documents:id', 15092],
    ['ofd', 15092],
    ['{user1000}.following', 3443],
    // An empty tag is no tag: the whole key is hashed.
    ['{}x', 10595],
    ['a{}{b}', 15033],
  ])('%j is in slot %i', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });

  it('puts every key of a hash-tagged prefix in one slot', () => {
    expect(hashTag('{ofd}:documents:wait')).toBe('ofd');
    expect(new Set(['{ofd}:documents:id', '{ofd}:documents:wait', '{ofd}:fns:meta', '{ofd}:api:x'].map(keySlot)).size).toBe(1);
    expect(hashTag('ofd:documents')).toBeUndefined();
  });
});
