// The PROXY protocol header parser against headers written out by hand from HAProxy's proxy-protocol.txt (v1 lines as
// text, v2 headers byte by byte), split at every offset, and against what it must refuse.
import { describe, expect, it } from 'vitest';
import { parseProxyHeader, ProxyProtocolError } from '../../../src/net/proxy-protocol.js';

const SIG = '0d0a0d0a000d0a515549540a';
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Every prefix shorter than the header is "incomplete"; the whole header (plus a payload) parses to `expected`. */
function checkSplits(header: Buffer, expected: { address: string; port: number } | undefined) {
  const payload = Buffer.from('7e a5 3a c1'.replace(/ /g, ''), 'hex');
  for (let n = 0; n < header.length; n++) expect(parseProxyHeader(header.subarray(0, n)), `prefix ${n}`).toEqual({ status: 'incomplete' });
  const parsed = parseProxyHeader(Buffer.concat([header, payload]));
  expect(parsed).toEqual({ status: 'done', consumed: header.length, source: expected });
}

describe('PROXY protocol v1', () => {
  it('reads TCP4 and TCP6 source addresses, at every split', () => {
    checkSplits(Buffer.from('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n'), { address: '192.168.0.1', port: 56324 });
    checkSplits(Buffer.from('PROXY TCP6 2001:db8::1 2001:db8::2 4000 4000\r\n'), { address: '2001:db8::1', port: 4000 });
  });

  it('gives no address for UNKNOWN (the balancer’s own connection)', () => {
    checkSplits(Buffer.from('PROXY UNKNOWN\r\n'), undefined);
    checkSplits(Buffer.from('PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n'), undefined);
  });

  it.each([
    ['a line without CRLF past 107 bytes', `PROXY TCP4 ${'1'.repeat(120)}`],
    ['a wrong protocol', 'PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'],
    ['an IPv6 address under TCP4', 'PROXY TCP4 ::1 ::1 1 2\r\n'],
    ['a port above 65535', 'PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n'],
    ['a port with a leading zero', 'PROXY TCP4 1.2.3.4 5.6.7.8 0443 2\r\n'],
    ['a missing field', 'PROXY TCP4 1.2.3.4 5.6.7.8 443\r\n'],
    ['a lower-case keyword', 'proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n'],
  ])('refuses %s', (_why, text) => {
    expect(() => parseProxyHeader(Buffer.from(text, 'latin1'))).toThrow(ProxyProtocolError);
  });
});

describe('PROXY protocol v2', () => {
  it('reads an IPv4 PROXY header, at every split', () => {
    // ver 2 / PROXY, INET / STREAM, 12 bytes: 10.1.2.3 → 10.0.0.1, ports 40000 → 4000
    checkSplits(hex(`${SIG} 21 11 000c 0a010203 0a000001 9c40 0fa0`), { address: '10.1.2.3', port: 40000 });
  });

  it('reads an IPv6 PROXY header and skips the TLVs after the addresses', () => {
    const src = '20010db8000000000000000000000042'; // 2001:db8::42
    const dst = '20010db8000000000000000000000001';
    // 36 bytes of addresses and ports + a 7-byte TLV (type 0x05 UNIQUE_ID, length 4)
    checkSplits(hex(`${SIG} 21 21 002b ${src} ${dst} 1f90 0fa0 05 0004 deadbeef`), { address: '2001:db8::42', port: 8080 });
  });

  it('writes IPv6 addresses in the RFC 5952 short form', () => {
    const src = '00000000000000000000ffff0a000001'; // ::ffff:a00:1
    expect(parseProxyHeader(hex(`${SIG} 21 21 0024 ${src} ${src} 0001 0002`))).toMatchObject({ source: { address: '::ffff:a00:1', port: 1 } });
    const noRun = '20010db8000100020003000400050006'; // no zero group at all
    expect(parseProxyHeader(hex(`${SIG} 21 21 0024 ${noRun} ${noRun} 0001 0002`))).toMatchObject({ source: { address: '2001:db8:1:2:3:4:5:6' } });
  });

  it('gives no address for LOCAL, whatever follows, and for UNSPEC', () => {
    checkSplits(hex(`${SIG} 20 00 0000`), undefined);
    checkSplits(hex(`${SIG} 20 11 000c 0a010203 0a000001 9c40 0fa0`), undefined);
    checkSplits(hex(`${SIG} 21 00 0000`), undefined);
  });

  it.each([
    ['version 1 in the v2 layout', `${SIG} 11 11 000c 0a010203 0a000001 9c40 0fa0`],
    ['an unknown command', `${SIG} 22 11 000c 0a010203 0a000001 9c40 0fa0`],
    ['an IPv4 block shorter than its addresses', `${SIG} 21 11 0008 0a010203 0a000001`],
    ['an address block over 1 KiB', `${SIG} 21 11 0800`],
  ])('refuses %s', (_why, h) => {
    expect(() => parseProxyHeader(hex(h))).toThrow(ProxyProtocolError);
  });
});

it('refuses a connection that starts with anything else — a register speaking directly, or garbage', () => {
  expect(() => parseProxyHeader(hex('2a08410a 0000'))).toThrow(/does not start with a PROXY protocol header/);
  expect(() => parseProxyHeader(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(ProxyProtocolError);
  expect(() => parseProxyHeader(hex('0d0a0d0a00ff'))).toThrow(ProxyProtocolError);
});
