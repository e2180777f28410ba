/**
 * What REDIS_URL points at. One server: `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS), as ioredis
 * reads it. A Redis Cluster: `redis+cluster://[user:password@]host:port,host:port,…` (or `rediss+cluster://`) — the seed
 * nodes, any few of the cluster's nodes; the client learns the rest (and every failover) from them. A cluster has no
 * database number, so a path is refused. Pure, and in domain/ because config.ts validates REDIS_URL with it while
 * queue/ connects with it.
 */

export interface ClusterNodeAddress {
  readonly host: string;
  readonly port: number;
}

export interface RedisSingleTarget {
  readonly kind: 'single';
  readonly url: string;
}

export interface RedisClusterTarget {
  readonly kind: 'cluster';
  readonly nodes: readonly ClusterNodeAddress[];
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: boolean;
}

export type RedisTarget = RedisSingleTarget | RedisClusterTarget;

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\/(.*)$/i;
const SINGLE_SCHEMES = ['redis:', 'rediss:'];

export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError';
}

function parseNode(text: string): ClusterNodeAddress {
  // [v6 address]:port or host:port
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RedisUrlError(`cluster node "${text}" is not host:port`);
  }
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

function parseCluster(scheme: string, rest: string): RedisClusterTarget {
  const at = rest.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : rest.slice(0, at);
  const hostPart = (at === -1 ? rest : rest.slice(at + 1)).replace(/\/$/, '');
  if (hostPart.includes('/') || hostPart.includes('?')) {
    throw new RedisUrlError('a Redis Cluster URL takes no database number or options: redis+cluster://host:port,host:port');
  }
  const nodes = hostPart.split(',').filter((n) => n !== '').map(parseNode);
  if (nodes.length === 0) throw new RedisUrlError('a Redis Cluster URL needs at least one host:port');
  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = decodeURIComponent(colon === -1 ? userinfo : userinfo.slice(0, colon));
    password = colon === -1 ? undefined : decodeURIComponent(userinfo.slice(colon + 1));
    // redis+cluster://:password@… is the password of the default user, as in redis:// URLs.
    username = user === '' ? undefined : user;
  }
  return { kind: 'cluster', nodes, username, password, tls: scheme.toLowerCase() === 'rediss' };
}

/** Reads REDIS_URL; throws RedisUrlError when it is neither form. */
export function parseRedisTarget(url: string): RedisTarget {
  const cluster = CLUSTER_SCHEME.exec(url);
  if (cluster) return parseCluster(cluster[1]!, cluster[2]!);
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new RedisUrlError('not a URL');
  }
  if (!SINGLE_SCHEMES.includes(protocol)) {
    throw new RedisUrlError('expected redis://, rediss://, redis+cluster:// or rediss+cluster://');
  }
  return { kind: 'single', url };
}

export function isRedisClusterUrl(url: string): boolean {
  return CLUSTER_SCHEME.test(url);
}

/**
 * The hash tag of a key, as Redis Cluster reads it: the text between the first `{` and the next `}`, when not empty.
 * Every key of a BullMQ queue starts with its prefix, so a prefix with a hash tag keeps each queue in one slot.
 */
export function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open === -1) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}

/** CRC16-XMODEM (polynomial 0x1021, initial 0), the checksum of Redis Cluster's key slots. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The cluster slot (0–16383) of a key: CRC16 of its hash tag, or of the whole key without one. */
export function keySlot(key: string): number {
  return crc16(Buffer.from(hashTag(key) ?? key, 'utf8')) % 16384;
}
