/**
 * Where webhooks may go (issue 13, item 7: SSRF). A subscriber's URL must reach a public address: loopback, private,
 * link-local (cloud metadata at 169.254.169.254), unique-local, carrier-grade NAT, multicast, reserved and unspecified
 * ranges are refused, IPv4-mapped / NAT64 IPv6 by their embedded IPv4, and a name by every address it resolves to —
 * unless the operator lists the host name, address or CIDR in OFD_WEBHOOK_ALLOW_HOSTS.
 *
 * The WHATWG URL parser already turns decimal, octal and hex IPv4 forms (`http://2130706433/`, `http://0x7f.1/`) into
 * dotted quads, so every check sees the canonical address. The check runs when a subscription is created or changed
 * and again at send time inside the connection's own DNS lookup, so a name re-pointed after validation (DNS rebinding)
 * is caught on the address actually connected to. Redirects are never followed.
 */
import dns from 'node:dns';
import net from 'node:net';

export interface TargetPolicy {
  /** Host names (exact, lower case), addresses and CIDRs the operator allows although internal. */
  readonly allowHosts: readonly string[];
}

const FORBIDDEN_V4: ReadonlyArray<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const FORBIDDEN_V6: ReadonlyArray<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'reserved'],
  ['100::', 64, 'reserved'],
  ['2001:db8::', 32, 'reserved'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
];

function blockList(ranges: ReadonlyArray<[string, number, string]>, family: 'ipv4' | 'ipv6'): Array<[net.BlockList, string]> {
  return ranges.map(([address, prefix, kind]) => {
    const list = new net.BlockList();
    list.addSubnet(address, prefix, family);
    return [list, kind];
  });
}
const V4 = blockList(FORBIDDEN_V4, 'ipv4');
const V6 = blockList(FORBIDDEN_V6, 'ipv6');

/** The IPv4 address an IPv6 one carries (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96), if any. */
function embeddedV4(address: string): string | undefined {
  const mapped = /^::ffff:(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  const expanded = expandV6(address);
  if (expanded === undefined) return undefined;
  const isMapped = expanded.slice(0, 5).every((g) => g === 0) && expanded[5] === 0xffff;
  const isNat64 = expanded[0] === 0x64 && expanded[1] === 0xff9b && expanded.slice(2, 6).every((g) => g === 0);
  if (!isMapped && !isNat64) return undefined;
  return [expanded[6]! >> 8, expanded[6]! & 0xff, expanded[7]! >> 8, expanded[7]! & 0xff].join('.');
}

function expandV6(address: string): number[] | undefined {
  let a = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const p = v4[1]!.split('.').map(Number);
    a = a.slice(0, -v4[1]!.length) + `${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const [head = '', tail] = a.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array<string>(Math.max(fill, 0)).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** Why an address may not be a webhook target ('loopback', 'private', …), undefined when it is public. */
export function forbiddenKind(address: string): string | undefined {
  const family = net.isIP(address);
  if (family === 4) return V4.find(([l]) => l.check(address, 'ipv4'))?.[1];
  if (family !== 6) return 'not an address';
  const v4 = embeddedV4(address);
  if (v4 !== undefined) {
    const kind = forbiddenKind(v4);
    return kind === undefined ? undefined : `${kind} (IPv4 in IPv6)`;
  }
  return V6.find(([l]) => l.check(address, 'ipv6'))?.[1];
}

function allowedByPolicy(policy: TargetPolicy, hostname: string, address?: string): boolean {
  for (const entry of policy.allowHosts) {
    if (entry === hostname) return true;
    if (address === undefined) continue;
    const [base = '', bits] = entry.split('/');
    const family = net.isIP(base);
    if (family === 0) continue;
    const list = new net.BlockList();
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(base, type);
    else list.addSubnet(base, Number(bits), type);
    const target = net.isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (list.check(address, target)) return true;
  }
  return false;
}

/** The URL's host without IPv6 brackets, lower case. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

export class ForbiddenTargetError extends Error {
  override readonly name = 'ForbiddenTargetError';
  readonly code = 'WEBHOOK_TARGET_FORBIDDEN';
  constructor(readonly kind: string) {
    super(`the webhook target is not a public address (${kind})`);
  }
}

/** Throws ForbiddenTargetError when `address` (what `hostname` resolved to) is internal and not allowed. */
export function assertAllowedAddress(policy: TargetPolicy, hostname: string, address: string): void {
  const kind = forbiddenKind(address);
  if (kind !== undefined && !allowedByPolicy(policy, hostname, address)) throw new ForbiddenTargetError(kind);
}

export type UrlCheck = { ok: true } | { ok: false; reason: string };

/**
 * At create and update time: the scheme, then an IP-literal host, else every address the name resolves to now. A name
 * that does not resolve yet is accepted — the send-time check decides on what it resolves to then.
 */
export async function checkWebhookUrl(policy: TargetPolicy, raw: string, lookup = dns.promises.lookup): Promise<UrlCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'expected an http(s) URL' };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'credentials in the URL are not allowed' };
  const host = hostOf(url);
  if (allowedByPolicy(policy, host)) return { ok: true };
  let addresses: string[];
  if (net.isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      return { ok: true };
    }
  }
  for (const address of addresses) {
    const kind = forbiddenKind(address);
    if (kind !== undefined && !allowedByPolicy(policy, host, address)) {
      return { ok: false, reason: `the host is not a public address (${kind}); the operator may allow it in OFD_WEBHOOK_ALLOW_HOSTS` };
    }
  }
  return { ok: true };
}

/**
 * A `lookup` for net/tls connect that refuses internal addresses for names not on the allow-list: the check happens on
 * the very addresses the socket will connect to.
 */
export function guardedLookup(policy: TargetPolicy): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return (callback as (e: Error | null, a: string, f?: number) => void)(err, '', undefined);
      const list = addresses as dns.LookupAddress[];
      try {
        for (const a of list) assertAllowedAddress(policy, hostname.toLowerCase(), a.address);
      } catch (e) {
        return (callback as (e: Error | null, a: string, f?: number) => void)(e as Error, '', undefined);
      }
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0]!;
      return (callback as (e: null, a: string, f: number) => void)(null, first.address, first.family);
    });
  };
}
