import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../protocol/errors.js';
import { decodeFlags, decodeSessionHeader, encodeSessionHeader, encodeFlags, SESSION_HEADER_LENGTH } from '../../../protocol/session-header.js';
import { fixtureHex } from '../../support/fixtures.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

describe('session header (§1.1)', () => {
  const vector = fixtureHex('vectors/session-header-synthetic.hex');

  it('decodes the synthetic vector: signature, versions, space-padded FN, length 305, flags 0x0014, CRC 0', () => {
    expect(vector.length).toBe(SESSION_HEADER_LENGTH);
    const h = decodeSessionHeader(vector);
    expect(h.kind).toBe('ofd');
    expect(h.signature).toBe(0x2a08410a);
    expect(h.sVersion).toBe(0x81a2);
    expect(h.pVersion).toBe(0x0001);
    expect(h.pVersionFfd).toBe('1.0');
    expect(h.fnRaw.toString('latin1')).toBe('9999078950      ');
    expect(h.fiscalDriveNumber).toBe('9999078950');
    expect(h.bodyLength).toBe(305);
    expect(h.flagsRaw).toBe(0x0014);
    expect(h.flags).toEqual({ crcMode: 0, hasContainer: true, expectsReply: true, priority: 0 });
    expect(h.crc).toBe(0);
  });

  it('re-encodes the vector byte for byte from its raw FN bytes', () => {
    const h = decodeSessionHeader(vector);
    expect(encodeSessionHeader({ kind: 'ofd', pVersion: h.pVersion, fn: h.fnRaw, bodyLength: 305, flags: 0x0014 }).toString('hex')).toBe(
      vector.toString('hex'),
    );
  });

  it.each([
    ['probe_oism_82A2_empty.hex', 'oism'],
    ['probe_oism_82FB_onlyofd_empty.hex', 'oismTest'],
    ['probe_okp_82A1_empty.hex', 'keyUpdate'],
  ])('decodes the marking probe %s as %s, empty, flags 0x0010', (file, kind) => {
    const h = decodeSessionHeader(fixtureHex(`vectors/${file}`));
    expect(h.kind).toBe(kind);
    expect(h.bodyLength).toBe(0);
    expect(h.flagsRaw).toBe(0x0010);
    expect(h.flags.expectsReply).toBe(true);
    expect(h.flags.hasContainer).toBe(false);
  });

  it('rejects an unknown signature and an OFD signature with a marking S-version', () => {
    const bad = Buffer.from(vector);
    bad[0] = 0x47; // "GET " from a stray HTTP client
    expect(codeOf(() => decodeSessionHeader(bad))).toBe('PROTO_BAD_SIGNATURE');
    const mixed = Buffer.from(vector);
    mixed.writeUInt16BE(0x82a2, 4);
    expect(codeOf(() => decodeSessionHeader(mixed))).toBe('PROTO_BAD_SIGNATURE');
  });

  it('accepts unknown P-versions but reports no FFD for them', () => {
    const odd = Buffer.from(vector);
    odd.writeUInt16BE(0x0999, 6);
    expect(decodeSessionHeader(odd).pVersionFfd).toBeUndefined();
  });

  it('rejects forbidden flag combinations (§1.2)', () => {
    expect(codeOf(() => decodeFlags(0b11))).toBe('PROTO_BAD_FLAGS');
    expect(codeOf(() => decodeFlags(0b10_0000))).toBe('PROTO_BAD_FLAGS');
    expect(codeOf(() => decodeFlags(0b11_0000))).toBe('PROTO_BAD_FLAGS');
    expect(encodeFlags(decodeFlags(0x0014))).toBe(0x0014);
    expect(encodeFlags(decodeFlags(0x00d6 & ~0b1))).toBe(0x00d6 & ~0b1);
  });

  it('checks a mode-01 header CRC and rejects a wrong one', () => {
    const h = encodeSessionHeader({ kind: 'ofd', pVersion: 0x0105, fn: '9999078902013267', bodyLength: 0, flags: 0x0011 });
    expect(decodeSessionHeader(h).crc).not.toBe(0);
    h[28] = h[28]! ^ 0xff;
    expect(codeOf(() => decodeSessionHeader(h))).toBe('PROTO_BAD_CRC');
  });

  it('reports a short buffer as PROTO_TRUNCATED', () => {
    expect(codeOf(() => decodeSessionHeader(vector.subarray(0, 29)))).toBe('PROTO_TRUNCATED');
  });
});
