import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { crc16 } from '../../../protocol/crc.js';
import { containerCrc } from '../../../protocol/container.js';
import { fixtureHex } from '../../support/fixtures.js';

/** Reference CRC-16/CCITT-FALSE, bit by bit from the definition (poly 0x1021, MSB first): no table. */
function referenceCrc(data: Uint8Array, start: number, end: number, crc: number): number {
  for (let i = start; i < end; i++) {
    crc ^= data[i]! << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

describe('CRC-16/CCITT-FALSE', () => {
  it('gives the catalogue check value 0x29B1 for "123456789" (§1.3)', () => {
    expect(crc16(Buffer.from('123456789', 'ascii'))).toBe(0x29b1);
    expect(referenceCrc(Buffer.from('123456789', 'ascii'), 0, 9, 0xffff)).toBe(0x29b1);
  });

  it('is 0xFFFF (the init value) over no bytes', () => {
    expect(crc16(Buffer.alloc(0))).toBe(0xffff);
  });

  it('continues a running CRC across split ranges', () => {
    const data = Buffer.from('123456789', 'ascii');
    expect(crc16(data, 4, 9, crc16(data, 0, 4))).toBe(0x29b1);
  });

  it('matches the CRC stored in the synthetic container (0xEC03), computed with the CRC field skipped', () => {
    const c = fixtureHex('vectors/container-fiscalReport-synthetic.hex');
    expect(c.readUInt16LE(2)).toBe(0xec03);
    expect(containerCrc(c)).toBe(0xec03);
  });

  it('agrees with the bitwise reference at every length 0 … 64 and every start offset 0 … 16 (the slice tail)', () => {
    const data = Buffer.from(Array.from({ length: 96 }, (_, i) => (i * 167 + 13) & 0xff));
    for (let start = 0; start <= 16; start++) {
      for (let len = 0; len <= 64; len++) {
        expect(crc16(data, start, start + len)).toBe(referenceCrc(data, start, start + len, 0xffff));
      }
    }
  });

  test.prop([fc.uint8Array({ maxLength: 3000, size: 'max' }), fc.integer({ min: 0, max: 0xffff })], { numRuns: 300 })(
    'equals the bitwise reference over random buffers and running CRCs',
    (bytes, init) => {
      const buf = Buffer.from(bytes);
      expect(crc16(buf)).toBe(referenceCrc(buf, 0, buf.length, 0xffff));
      expect(crc16(buf, 0, buf.length, init)).toBe(referenceCrc(buf, 0, buf.length, init));
    },
  );

  test.prop(
    [
      fc
        .uint8Array({ maxLength: 3000, size: 'max' })
        .chain((bytes) =>
          fc.tuple(fc.constant(bytes), fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 6 })),
        ),
    ],
    { numRuns: 300 },
  )('split at random points and continued, gives the one-pass value (also inside a larger buffer)', ([bytes, cuts]) => {
    // A view at an odd offset of a larger buffer, as a container inside a framed message is.
    const host = Buffer.alloc(bytes.length + 7, 0xa5);
    host.set(bytes, 3);
    const buf = host.subarray(3, 3 + bytes.length);
    const points = [0, ...[...cuts].sort((a, b) => a - b), buf.length];
    let crc = 0xffff;
    for (let i = 0; i + 1 < points.length; i++) crc = crc16(buf, points[i]!, points[i + 1]!, crc);
    expect(crc).toBe(referenceCrc(bytes, 0, bytes.length, 0xffff));
    expect(crc16(buf)).toBe(crc);
  });
});
