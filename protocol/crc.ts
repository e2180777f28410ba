/**
 * CRC-16/CCITT-FALSE (§1.3): poly 0x1021, init 0xFFFF, MSB-first, no reflection, no final XOR. "123456789" → 0x29B1.
 * `crc16` can continue a running CRC so non-contiguous ranges (the container skips its CRC field) need no copy.
 *
 * Slice-by-16: 16 tables of 256 entries, where table k holds the CRC contribution of a byte followed by k zero bytes.
 * The running CRC folds into the first two bytes of a block (it is 16 bits wide), and the 16 lookups of a block are
 * independent, so the CPU overlaps them instead of waiting on one lookup per byte. CPU time over 1.8–2.7 KB buffers
 * (Node 20, 2.2 GHz Xeon): byte-wise ~420 MB/s; slice-by-4 ~1100, -8 ~1500, -16 ~1620 MB/s reading bytes; slice-by-16
 * reading the block as four 32-bit words through a DataView ~2080 MB/s (slice-by-8 that way: ~1570). The tables take
 * 8 KiB; the tail (< 16 bytes) goes byte-wise through table 0, the classic byte-wise table.
 */
const POLY = 0x1021;
export const CRC16_INIT = 0xffff;
const SLICES = 16;

/** Table k at [256·k, 256·k + 256): TABLE[256·k + b] = CRC (init 0) of byte b followed by k zero bytes. */
const TABLE = (() => {
  const t = new Uint16Array(256 * SLICES);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ POLY) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  for (let k = 1; k < SLICES; k++) {
    for (let i = 0; i < 256; i++) {
      const prev = t[256 * (k - 1) + i]!;
      t[256 * k + i] = ((prev << 8) & 0xffff) ^ t[prev >>> 8]!;
    }
  }
  return t;
})();

export function crc16(data: Uint8Array, start = 0, end = data.length, crc = CRC16_INIT): number {
  const t = TABLE;
  let i = start;
  // Blocks only inside the data (a range past its end, or a fractional start, goes byte by byte as it always did).
  const last = Math.min(end, data.length) - SLICES;
  if (i >= 0 && i <= last && i === Math.floor(i)) {
    // Four little-endian 32-bit reads per block instead of 16 byte reads (fewer loads and bounds checks; DataView reads
    // any alignment, on any host).
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (; i <= last; i += SLICES) {
      const w0 = view.getUint32(i, true);
      const w1 = view.getUint32(i + 4, true);
      const w2 = view.getUint32(i + 8, true);
      const w3 = view.getUint32(i + 12, true);
      crc =
        t[0xf00 + (((crc >>> 8) ^ w0) & 0xff)]! ^
        t[0xe00 + ((crc ^ (w0 >>> 8)) & 0xff)]! ^
        t[0xd00 + ((w0 >>> 16) & 0xff)]! ^
        t[0xc00 + (w0 >>> 24)]! ^
        t[0xb00 + (w1 & 0xff)]! ^
        t[0xa00 + ((w1 >>> 8) & 0xff)]! ^
        t[0x900 + ((w1 >>> 16) & 0xff)]! ^
        t[0x800 + (w1 >>> 24)]! ^
        t[0x700 + (w2 & 0xff)]! ^
        t[0x600 + ((w2 >>> 8) & 0xff)]! ^
        t[0x500 + ((w2 >>> 16) & 0xff)]! ^
        t[0x400 + (w2 >>> 24)]! ^
        t[0x300 + (w3 & 0xff)]! ^
        t[0x200 + ((w3 >>> 8) & 0xff)]! ^
        t[0x100 + ((w3 >>> 16) & 0xff)]! ^
        t[w3 >>> 24]!;
    }
  }
  for (; i < end; i++) crc = ((crc << 8) & 0xffff) ^ t[((crc >>> 8) ^ data[i]!) & 0xff]!;
  return crc;
}
