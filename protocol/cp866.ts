/**
 * CP866 text (§5: FFD strings are CP866, no terminator). The byte → character table comes from the built-in
 * `TextDecoder('ibm866')`; encoding uses iconv-lite's `cp866`. Three facts shape this file:
 * - ICU's ibm866 (Node's TextDecoder) maps three control bytes like IBM's PC table, not like ASCII:
 *   0x1A → U+001C, 0x1C → U+007F, 0x7F → U+001A. iconv-lite and the WHATWG index keep 0x00–0x7F as ASCII, and so does
 *   the table: decode and encode are inverse for all 256 bytes.
 * - Speed: strings are half of a receipt's bytes. `Cp866Text` maps a whole document once and slices the string per
 *   field: per-field decoding (a loop and a Buffer → string call per field) measured ~1.5× slower on a 20-item receipt,
 *   and `TextDecoder.decode` of the whole document (which would also need the three bytes above fixed up) only ~20%
 *   faster than the table loop. The loop maps two bytes per step through a 64 Ki-entry pair table (PAIRS, 256 KiB):
 *   ~1.5× faster than four single-byte lookups per 32-bit word (1.0 vs 1.5 µs for 2 KB on the bench machine).
 * - iconv-lite writes `?` for a character CP866 lacks; we refuse that instead of changing the text.
 */
import iconv from 'iconv-lite';
import { ProtocolError } from './errors.js';

const decoder = new TextDecoder('ibm866');
/** UTF-16 code unit per CP866 byte. */
const TABLE = Uint16Array.from({ length: 256 }, (_, b) => (b < 0x80 ? b : decoder.decode(Uint8Array.of(b)).charCodeAt(0)));
/** Two CP866 bytes as a little-endian uint16 → their two UTF-16 code units as a little-endian uint32 (256 KiB). */
const PAIRS = Uint32Array.from({ length: 0x10000 }, (_, i) => TABLE[i & 0xff]! | (TABLE[i >>> 8]! << 16));
/** Room for a whole document TLV (4 + 65 535 bytes), rounded up to whole 32-bit words. */
const SCRATCH_UNITS = 0x10004;
/** Output, UTF-16LE: one code unit per input byte. */
const OUT = new ArrayBuffer(2 * SCRATCH_UNITS);
const SCRATCH = Buffer.from(OUT);
const SCRATCH16 = new Uint16Array(OUT);
const SCRATCH32 = new Uint32Array(OUT);
/** An aligned copy of the input, read two bytes at a time. */
const INPUT = new Uint8Array(SCRATCH_UNITS);
const INPUT16 = new Uint16Array(INPUT.buffer);
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const QUESTION_MARK = 0x3f;

/**
 * Decodes `buf[start, end)`: one character per byte, so offsets carry over (see Cp866Text). On little-endian hosts it
 * maps two bytes per step through PAIRS (an odd length maps one stale byte past the end, which the string leaves out).
 */
export function decodeCp866(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n > SCRATCH_UNITS) return Buffer.from(Uint16Array.from(buf.subarray(start, end), (b) => TABLE[b]!).buffer).toString('utf16le');
  if (LITTLE_ENDIAN) {
    INPUT.set(buf.subarray(start, end));
    const input = INPUT16;
    const out = SCRATCH32;
    const pairs = PAIRS;
    for (let i = 0, m = (n + 1) >> 1; i < m; i++) out[i] = pairs[input[i]!]!;
  } else {
    for (let i = 0; i < n; i++) SCRATCH16[i] = TABLE[buf[start + i]!]!;
  }
  return SCRATCH.toString('utf16le', 0, 2 * n);
}

/**
 * The CP866 text of one document, made on first use: one table pass and one string for the whole buffer, then a
 * slice per string field. V8 slices of 13+ characters share the document string, so a decoded document keeps that
 * string (twice the document's size) alive — and never a view of the input Buffer.
 */
export class Cp866Text {
  private text: string | undefined;

  constructor(
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** The text of `buf[start, end)`, a range inside this document's. */
  read(start: number, end: number): string {
    const text = (this.text ??= decodeCp866(this.buf, this.start, this.end));
    return text.slice(start - this.start, end - this.start);
  }
}

/** Encodes to CP866; `JSON_BAD_DOCUMENT` names the first character CP866 cannot hold. */
export function encodeCp866(text: string, tag: number): Buffer {
  const out = iconv.encode(text, 'cp866');
  // iconv-lite emits one byte per UTF-16 unit, `?` where it has no mapping.
  for (let i = 0; i < text.length; i++) {
    if (out[i] === QUESTION_MARK && text.charCodeAt(i) !== QUESTION_MARK) badChar(text, i, tag);
  }
  if (out.length !== text.length) badChar(text, 0, tag);
  return out;
}

function badChar(text: string, at: number, tag: number): never {
  const cp = text.codePointAt(at) ?? 0;
  throw new ProtocolError(
    'JSON_BAD_DOCUMENT',
    `tag ${tag}: U+${cp.toString(16).toUpperCase().padStart(4, '0')} cannot be written in CP866`,
  );
}
