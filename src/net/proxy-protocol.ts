/**
 * The PROXY protocol header (HAProxy's spec, versions 1 and 2) that an L4 load balancer puts in front of a proxied TCP
 * stream, so the gateway sees the register's address rather than the balancer's (architecture §5). Pure: bytes in,
 * result out.
 *
 *   v1: "PROXY TCP4 <src> <dst> <srcport> <dstport>\r\n" (or TCP6, or "PROXY UNKNOWN…\r\n"), at most 107 bytes.
 *   v2: the 12-byte signature 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A, version/command, family/transport, a 16-bit length,
 *       then the addresses (IPv4: 4 + 4 + 2 + 2 bytes, IPv6: 16 + 16 + 2 + 2) and optional TLVs (skipped).
 *
 * `LOCAL` (v2) and `UNKNOWN` (v1) carry no client address — the balancer's own health checks — and yield `source:
 * undefined`: the caller keeps the socket's address. With the protocol switched on, a connection that does not start
 * with a valid header is refused (accepting both would let any client forge its address in a v1 line).
 */
import net from 'node:net';

export const PROXY_V1_MAX_LENGTH = 107;
export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const PROXY_V1_PREFIX = Buffer.from('PROXY ', 'ascii');
const V2_HEADER_LENGTH = 16;
/** Largest v2 address block accepted: addresses plus TLVs (SSL info, unique id…); the spec bounds it by 16 bits. */
const V2_MAX_BLOCK = 1024;

export const ProxyProtocolErrorCodes = { GW_PROXY_HEADER_INVALID: 'GW_PROXY_HEADER_INVALID' } as const;

export class ProxyProtocolError extends Error {
  override readonly name = 'ProxyProtocolError';
  readonly code = ProxyProtocolErrorCodes.GW_PROXY_HEADER_INVALID;
}

export interface ProxySource {
  readonly address: string;
  readonly port: number;
}

export type ProxyParse =
  | { readonly status: 'incomplete' }
  /** `consumed` bytes are the header; whatever follows belongs to the proxied stream. */
  | { readonly status: 'done'; readonly consumed: number; readonly source: ProxySource | undefined };

const INCOMPLETE: ProxyParse = { status: 'incomplete' };

/** Parses the header at the start of `buf`; throws ProxyProtocolError when it cannot be one. */
export function parseProxyHeader(buf: Buffer): ProxyParse {
  if (startsLike(buf, PROXY_V2_SIGNATURE)) return buf.length < PROXY_V2_SIGNATURE.length ? INCOMPLETE : parseV2(buf);
  if (startsLike(buf, PROXY_V1_PREFIX)) return buf.length < PROXY_V1_PREFIX.length ? INCOMPLETE : parseV1(buf);
  throw new ProxyProtocolError('the connection does not start with a PROXY protocol header');
}

/** True when buf and prefix agree on their common length (buf may be shorter: more bytes still to come). */
function startsLike(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.subarray(0, n).equals(prefix.subarray(0, n));
}

function parseV1(buf: Buffer): ProxyParse {
  const end = buf.subarray(0, PROXY_V1_MAX_LENGTH).indexOf('\r\n');
  if (end < 0) {
    if (buf.length >= PROXY_V1_MAX_LENGTH) throw new ProxyProtocolError(`PROXY v1 line longer than ${PROXY_V1_MAX_LENGTH} bytes`);
    return INCOMPLETE;
  }
  const parts = buf.toString('latin1', 0, end).split(' ');
  const consumed = end + 2;
  if (parts[1] === 'UNKNOWN') return { status: 'done', consumed, source: undefined };
  if (parts.length !== 6 || (parts[1] !== 'TCP4' && parts[1] !== 'TCP6')) {
    throw new ProxyProtocolError(`malformed PROXY v1 line ${JSON.stringify(buf.toString('latin1', 0, end))}`);
  }
  const [, family, srcAddress, dstAddress, srcPort, dstPort] = parts as [string, string, string, string, string, string];
  const want = family === 'TCP4' ? 4 : 6;
  if (net.isIP(srcAddress) !== want || net.isIP(dstAddress) !== want) throw new ProxyProtocolError(`PROXY v1 ${family} with a non-IPv${want} address`);
  v1Port(dstPort);
  return { status: 'done', consumed, source: { address: srcAddress, port: v1Port(srcPort) } };
}

function v1Port(text: string): number {
  // The spec: decimal, no leading zeros, 0–65535.
  if (!/^(0|[1-9]\d{0,4})$/.test(text) || Number(text) > 65535) throw new ProxyProtocolError(`bad PROXY v1 port ${JSON.stringify(text)}`);
  return Number(text);
}

function parseV2(buf: Buffer): ProxyParse {
  if (buf.length < V2_HEADER_LENGTH) return INCOMPLETE;
  const versionCommand = buf[12]!;
  if (versionCommand >> 4 !== 2) throw new ProxyProtocolError(`PROXY v2 header with version ${versionCommand >> 4}`);
  const command = versionCommand & 0x0f;
  if (command > 1) throw new ProxyProtocolError(`PROXY v2 header with unknown command ${command}`);
  const familyTransport = buf[13]!;
  const blockLength = buf.readUInt16BE(14);
  if (blockLength > V2_MAX_BLOCK) throw new ProxyProtocolError(`PROXY v2 address block of ${blockLength} bytes`);
  const consumed = V2_HEADER_LENGTH + blockLength;
  if (buf.length < consumed) return INCOMPLETE;
  // LOCAL: the balancer speaking for itself; the addresses, if any, are to be ignored.
  if (command === 0) return { status: 'done', consumed, source: undefined };
  const family = familyTransport >> 4;
  const block = buf.subarray(V2_HEADER_LENGTH, consumed);
  if (family === 1) {
    if (blockLength < 12) throw new ProxyProtocolError('PROXY v2 IPv4 address block too short');
    return { status: 'done', consumed, source: { address: [...block.subarray(0, 4)].join('.'), port: block.readUInt16BE(8) } };
  }
  if (family === 2) {
    if (blockLength < 36) throw new ProxyProtocolError('PROXY v2 IPv6 address block too short');
    const groups = Array.from({ length: 8 }, (_, i) => block.readUInt16BE(i * 2).toString(16));
    return { status: 'done', consumed, source: { address: compressIpv6(groups), port: block.readUInt16BE(32) } };
  }
  // UNSPEC or UNIX: no IP address to use.
  return { status: 'done', consumed, source: undefined };
}

/** The canonical text form (RFC 5952): the longest run of two or more zero groups becomes "::". */
function compressIpv6(groups: string[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  if (best.len < 2) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}
