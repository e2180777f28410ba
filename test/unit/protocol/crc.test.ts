import { describe, expect, it } from 'vitest';
import { crc16 } from '../../../protocol/crc.js';
import { containerCrc } from '../../../protocol/container.js';
import { fixtureHex } from '../../support/fixtures.js';

describe('CRC-16/CCITT-FALSE', () => {
  it('gives the catalogue check value 0x29B1 for "123456789" (§1.3)', () => {
    expect(crc16(Buffer.from('123456789', 'ascii'))).toBe(0x29b1);
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
});
