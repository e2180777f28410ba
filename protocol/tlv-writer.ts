/**
 * Builds nested TLVs (§5) in one growing buffer: an STLV's header is reserved, its children written, and its length
 * patched in afterwards — no per-level concatenation. `tlv.ts` has the one-shot `encodeTlv` for flat cases.
 */
import { ProtocolError } from './errors.js';
import { TLV_HEADER_LENGTH, TLV_MAX_VALUE_LENGTH } from './tlv.js';

export class TlvWriter {
  private buf: Buffer;
  private length = 0;

  constructor(initialCapacity = 1024) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /** Opens a TLV; returns its header offset for `close`. */
  open(tag: number): number {
    this.reserve(TLV_HEADER_LENGTH);
    const at = this.length;
    this.buf.writeUInt16LE(tag, at);
    this.length += TLV_HEADER_LENGTH;
    return at;
  }

  /** Closes the TLV opened at `at`, writing its length; `TLV_TOO_LONG` over `maxLength` or the 16-bit length field. */
  close(at: number, maxLength = TLV_MAX_VALUE_LENGTH): void {
    const tag = this.buf.readUInt16LE(at);
    const len = this.length - at - TLV_HEADER_LENGTH;
    const max = Math.min(maxLength, TLV_MAX_VALUE_LENGTH);
    if (len > max) throw new ProtocolError('TLV_TOO_LONG', `tag ${tag}: ${len} bytes, at most ${max} allowed`);
    this.buf.writeUInt16LE(len, at + 2);
  }

  /** A whole TLV whose value is ready. */
  write(tag: number, value: Uint8Array): void {
    const at = this.open(tag);
    this.reserve(value.length);
    this.buf.set(value, this.length);
    this.length += value.length;
    this.close(at);
  }

  /** A copy of what was written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}
