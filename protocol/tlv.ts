/**
 * Raw TLV layer (§5): `tag` uint16 LE, `length` uint16 LE, `value`. No knowledge of types — that is `values.ts` and the
 * tag dictionary. Everything returned owns its bytes only where it says so: `readTlvs` returns views into the input,
 * which callers that keep them past the input's life must copy (the framer already hands out owned buffers).
 */
import { ProtocolError } from './errors.js';

export const TLV_HEADER_LENGTH = 4; // tag (2) + length (2)
export const TLV_MAX_VALUE_LENGTH = 0xffff;

export interface RawTlv {
  tag: number;
  /** The value bytes (a view into the parsed buffer). */
  value: Buffer;
  /** Offset of the TLV header within the buffer that was read. */
  offset: number;
}

/**
 * Splits `buf[start, end)` into consecutive TLVs. A header announcing more bytes than remain is `TLV_TRUNCATED`;
 * a trailing fragment shorter than a header is too. Offsets in errors are relative to `buf`.
 */
export function readTlvs(buf: Buffer, start = 0, end = buf.length): RawTlv[] {
  const out: RawTlv[] = [];
  let off = start;
  while (off < end) {
    if (end - off < TLV_HEADER_LENGTH) {
      throw new ProtocolError('TLV_TRUNCATED', `${end - off} stray byte(s) where a TLV header (4) was expected`, off);
    }
    const tag = buf.readUInt16LE(off);
    const len = buf.readUInt16LE(off + 2);
    const valueStart = off + TLV_HEADER_LENGTH;
    if (valueStart + len > end) {
      throw new ProtocolError('TLV_TRUNCATED', `tag ${tag} announces ${len} bytes, ${end - valueStart} remain`, off);
    }
    out.push({ tag, value: buf.subarray(valueStart, valueStart + len), offset: off });
    off = valueStart + len;
  }
  return out;
}

/** One TLV's wire bytes. */
export function encodeTlv(tag: number, value: Uint8Array): Buffer {
  if (value.length > TLV_MAX_VALUE_LENGTH) {
    throw new ProtocolError('TLV_TOO_LONG', `tag ${tag}: ${value.length} bytes do not fit a TLV length field`);
  }
  const out = Buffer.allocUnsafe(TLV_HEADER_LENGTH + value.length);
  out.writeUInt16LE(tag, 0);
  out.writeUInt16LE(value.length, 2);
  out.set(value, TLV_HEADER_LENGTH);
  return out;
}
