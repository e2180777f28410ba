/**
 * CRC-16/CCITT-FALSE (§1.3): poly 0x1021, init 0xFFFF, MSB-first, no reflection, no final XOR. "123456789" → 0x29B1.
 * Table-driven; `crc16` can continue a running CRC so non-contiguous ranges (the container skips its CRC field) need no copy.
 */
const POLY = 0x1021;
export const CRC16_INIT = 0xffff;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ POLY) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

export function crc16(data: Uint8Array, start = 0, end = data.length, crc = CRC16_INIT): number {
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >>> 8) ^ data[i]!) & 0xff]!;
  return crc;
}
