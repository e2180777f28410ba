/**
 * The 30-byte session header that prefixes every message (§1.1, §1.2, §1.3).
 *
 * | off | size | field            | encoding                                  |
 * |   0 |    4 | signature        | `2A 08 41 0A` OFD, `DD 80 CA A1` marking  |
 * |   4 |    2 | S-version        | `81 A2` OFD; `82 A2`/`82 FB`/`82 A1` marking/key service |
 * |   6 |    2 | P-version (FFD)  | byte string                               |
 * |   8 |   16 | FN number        | ASCII, may be space-padded: keep raw       |
 * |  24 |    2 | body length      | uint16 LE                                 |
 * |  26 |    2 | flags            | uint16 LE                                 |
 * |  28 |    2 | CRC              | uint16 LE, 0 when flags say "no CRC"       |
 */
import { crc16 } from './crc.js';
import { ProtocolError } from './errors.js';

export const SIGNATURE_LENGTH = 4;
export const VERSION_LENGTH = 2;
export const FN_FIELD_LENGTH = 16;
export const SESSION_HEADER_LENGTH = SIGNATURE_LENGTH + 2 * VERSION_LENGTH + FN_FIELD_LENGTH + 2 + 2 + 2; // 30
const OFF_S_VERSION = 4;
const OFF_P_VERSION = 6;
const OFF_FN = 8;
const OFF_BODY_LENGTH = 24;
const OFF_FLAGS = 26;
const OFF_CRC = 28;

export const SIGNATURE_OFD = 0x2a08410a;
export const SIGNATURE_MARKING = 0xdd80caa1;

/** The signature / S-version pairs we serve; any other pair is `PROTO_BAD_SIGNATURE` (§1.1). */
export const SESSION_KINDS = {
  ofd: { signature: SIGNATURE_OFD, sVersion: 0x81a2 },
  oism: { signature: SIGNATURE_MARKING, sVersion: 0x82a2 },
  oismTest: { signature: SIGNATURE_MARKING, sVersion: 0x82fb },
  keyUpdate: { signature: SIGNATURE_MARKING, sVersion: 0x82a1 },
} as const;
export type SessionKind = keyof typeof SESSION_KINDS;

/** P-versions seen on the wire → FFD version (§1.1). Registers are inconsistent; the document's tag 1209 decides. */
export const P_VERSIONS: Readonly<Record<number, string>> = {
  0x0100: '1.0',
  0x0001: '1.0',
  0x0002: '1.0',
  0x0105: '1.05',
  0x0110: '1.1',
  0x0120: '1.2',
};

export const CrcMode = { none: 0, header: 1, headerAndBody: 2 } as const;
export type CrcMode = (typeof CrcMode)[keyof typeof CrcMode];

export interface SessionFlags {
  crcMode: CrcMode;
  /** Bit 2: the body carries a container. */
  hasContainer: boolean;
  /** Bits 4–5 = `01`: the client waits for a reply. */
  expectsReply: boolean;
  /** Bits 6–7. */
  priority: number;
}

/** `0x0014` = container + expects reply + no CRC: every captured KKT message, and our replies. */
export const FLAGS_CONTAINER_REPLY = 0x0014;

export interface SessionHeader {
  kind: SessionKind;
  signature: number;
  sVersion: number;
  pVersion: number;
  /** FFD version named by the P-version, or undefined for a value not in the table (accepted, logged by the caller). */
  pVersionFfd: string | undefined;
  /** The 16 FN bytes exactly as received: the reply must echo them (§3.1). */
  fnRaw: Buffer;
  /** The FN number with padding (spaces, NULs) removed. */
  fiscalDriveNumber: string;
  bodyLength: number;
  flagsRaw: number;
  flags: SessionFlags;
  crc: number;
}

export function decodeFlags(raw: number, offset = OFF_FLAGS): SessionFlags {
  const crcMode = raw & 0b11;
  const reply = (raw >> 4) & 0b11;
  if (crcMode === 0b11) throw new ProtocolError('PROTO_BAD_FLAGS', 'CRC mode 11 is forbidden', offset);
  if (reply > 1) throw new ProtocolError('PROTO_BAD_FLAGS', `reply mode ${reply.toString(2)} is forbidden`, offset);
  return { crcMode: crcMode as CrcMode, hasContainer: (raw & 0b100) !== 0, expectsReply: reply === 1, priority: (raw >> 6) & 0b11 };
}

export function encodeFlags(f: SessionFlags): number {
  return f.crcMode | (f.hasContainer ? 0b100 : 0) | (f.expectsReply ? 0b1_0000 : 0) | ((f.priority & 0b11) << 6);
}

/**
 * Checks the first `available` (< 30) bytes of a header for a signature / S-version we serve, so garbage is rejected
 * from its 4th byte instead of waiting for 30 bytes that a scanner or telnet may never send.
 */
export function checkHeaderPrefix(buf: Buffer, available: number, streamOffset = 0): void {
  if (available >= SIGNATURE_LENGTH) {
    const signature = buf.readUInt32BE(0);
    if (signature !== SIGNATURE_OFD && signature !== SIGNATURE_MARKING) {
      throw new ProtocolError('PROTO_BAD_SIGNATURE', `signature ${buf.toString('hex', 0, 4)} is not an OFD or marking session`, streamOffset);
    }
    if (available >= OFF_P_VERSION && !kindOf(signature, buf.readUInt16BE(OFF_S_VERSION))) {
      throw new ProtocolError('PROTO_BAD_SIGNATURE', `signature ${buf.toString('hex', 0, 6)} is not an OFD or marking session`, streamOffset);
    }
  }
}

function kindOf(signature: number, sVersion: number): SessionKind | undefined {
  for (const [kind, v] of Object.entries(SESSION_KINDS)) {
    if (v.signature === signature && v.sVersion === sVersion) return kind as SessionKind;
  }
  return undefined;
}

/**
 * Decodes and validates a session header at `buf[offset]`. Checks the signature pair, the flags, and — for CRC mode
 * `01` — the header CRC. Mode `10` covers the body too and is checked by `verifySessionCrc` once the body is in.
 * `fnRaw` is a copy; the rest are plain values.
 */
export function decodeSessionHeader(buf: Buffer, offset = 0): SessionHeader {
  if (buf.length - offset < SESSION_HEADER_LENGTH) {
    throw new ProtocolError('PROTO_TRUNCATED', `session header needs ${SESSION_HEADER_LENGTH} bytes, got ${buf.length - offset}`, offset);
  }
  const signature = buf.readUInt32BE(offset);
  const sVersion = buf.readUInt16BE(offset + OFF_S_VERSION);
  const kind = kindOf(signature, sVersion);
  if (!kind) {
    throw new ProtocolError(
      'PROTO_BAD_SIGNATURE',
      `signature ${buf.toString('hex', offset, offset + 6)} is not an OFD or marking session`,
      offset,
    );
  }
  const pVersion = buf.readUInt16BE(offset + OFF_P_VERSION);
  const fnRaw = Buffer.from(buf.subarray(offset + OFF_FN, offset + OFF_FN + FN_FIELD_LENGTH));
  const flagsRaw = buf.readUInt16LE(offset + OFF_FLAGS);
  const flags = decodeFlags(flagsRaw, offset + OFF_FLAGS);
  const crc = buf.readUInt16LE(offset + OFF_CRC);
  if (flags.crcMode === CrcMode.header) {
    const actual = crc16(buf, offset, offset + OFF_CRC);
    if (actual !== crc) {
      throw new ProtocolError('PROTO_BAD_CRC', `session header CRC ${hex4(crc)} != computed ${hex4(actual)}`, offset + OFF_CRC);
    }
  }
  return {
    kind,
    signature,
    sVersion,
    pVersion,
    pVersionFfd: P_VERSIONS[pVersion],
    fnRaw,
    fiscalDriveNumber: fnRaw.toString('latin1').replace(/[\s\0]+/g, ''),
    bodyLength: buf.readUInt16LE(offset + OFF_BODY_LENGTH),
    flagsRaw,
    flags,
    crc,
  };
}

/** CRC mode `10`: over header bytes [0..27] followed by the body (§1.3). */
export function verifySessionCrc(header: SessionHeader, headerBytes: Buffer, body: Buffer): void {
  if (header.flags.crcMode !== CrcMode.headerAndBody) return;
  const actual = crc16(body, 0, body.length, crc16(headerBytes, 0, OFF_CRC));
  if (actual !== header.crc) {
    throw new ProtocolError('PROTO_BAD_CRC', `session CRC ${hex4(header.crc)} != computed ${hex4(actual)}`, OFF_CRC);
  }
}

export interface SessionHeaderFields {
  kind: SessionKind;
  pVersion: number;
  /** 16 raw bytes, or a FN number that is right-padded with spaces to 16. */
  fn: Buffer | string;
  bodyLength: number;
  flags: number;
}

/** Encodes a header with CRC mode taken from `flags`; modes `01`/`10` need `body` for mode `10`. */
export function encodeSessionHeader(f: SessionHeaderFields, body?: Buffer): Buffer {
  const out = Buffer.alloc(SESSION_HEADER_LENGTH);
  const { signature, sVersion } = SESSION_KINDS[f.kind];
  out.writeUInt32BE(signature, 0);
  out.writeUInt16BE(sVersion, OFF_S_VERSION);
  out.writeUInt16BE(f.pVersion, OFF_P_VERSION);
  const fn = typeof f.fn === 'string' ? Buffer.from(f.fn.padEnd(FN_FIELD_LENGTH, ' '), 'latin1') : f.fn;
  if (fn.length !== FN_FIELD_LENGTH) throw new ProtocolError('PROTO_BAD_FN', `FN field must be 16 bytes, got ${fn.length}`);
  fn.copy(out, OFF_FN);
  out.writeUInt16LE(f.bodyLength, OFF_BODY_LENGTH);
  out.writeUInt16LE(f.flags, OFF_FLAGS);
  const mode = decodeFlags(f.flags).crcMode;
  if (mode === CrcMode.header) out.writeUInt16LE(crc16(out, 0, OFF_CRC), OFF_CRC);
  if (mode === CrcMode.headerAndBody) out.writeUInt16LE(crc16(body ?? Buffer.alloc(0), 0, body?.length ?? 0, crc16(out, 0, OFF_CRC)), OFF_CRC);
  return out;
}

function hex4(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}
