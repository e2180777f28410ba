// The raw container's storage codec (src/db/raw-container.ts): lossless for any bytes, smaller for real containers,
// and old rows (raw_codec null) read as they are.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fleetJobs } from '../../../bench/fleet-jobs.js';
import { DbError } from '../../../src/db/errors.js';
import { CURRENT_RAW_CODEC, packRawContainer, unpackRawContainer } from '../../../src/db/raw-container.js';
import { receiptChildren, signedMessage } from '../../support/kkt.js';

let containers: Buffer[];

beforeAll(async () => {
  // Emulated registers of a seed the dictionary was not built from (it was built from seed 'dictionary-train').
  containers = (await fleetJobs(20, 400, 'raw-container-test')).map((j) => Buffer.from(j.container, 'base64'));
}, 120_000);

describe('raw container codec', () => {
  it('gives back any bytes exactly, packed or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), (bytes) => {
        const raw = Buffer.from(bytes);
        const packed = packRawContainer(raw);
        expect(unpackRawContainer(packed.bytes, packed.codec).equals(raw)).toBe(true);
        // Never larger than as received: what would not shrink is stored as it came.
        expect(packed.bytes.length).toBeLessThanOrEqual(raw.length);
        if (packed.codec === null) expect(packed.bytes).toBe(raw);
      }),
      { numRuns: 500 },
    );
  });

  it('gives back real containers exactly, and mutated ones too', () => {
    const real = fc.constantFrom(...containers);
    fc.assert(
      fc.property(real, fc.nat(), fc.integer({ min: 0, max: 255 }), (container, at, byte) => {
        const mutated = Buffer.from(container);
        mutated[at % mutated.length] = byte;
        for (const raw of [container, mutated]) {
          const packed = packRawContainer(raw);
          expect(unpackRawContainer(packed.bytes, packed.codec).equals(raw)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('packs real containers to well under half their size with the current codec', () => {
    let raw = 0;
    let stored = 0;
    for (const c of containers) {
      const packed = packRawContainer(c);
      expect(packed.codec).toBe(CURRENT_RAW_CODEC);
      raw += c.length;
      stored += packed.bytes.length;
    }
    // Measured ≈ 0.41 of the size for the emulator's mix.
    expect(stored / raw).toBeLessThan(0.45);
    // A receipt built apart from the emulator (other names, other tags) still shrinks.
    const other = signedMessage({ fn: '9999078900001234', fd: 7, children: receiptChildren('9999078900001234', 7) }).subarray(30);
    const packed = packRawContainer(other);
    expect(packed.bytes.length).toBeLessThan(other.length);
    expect(unpackRawContainer(packed.bytes, packed.codec).equals(other)).toBe(true);
  });

  it('reads a row stored as received (raw_codec null) as it is, and refuses a codec it does not know', () => {
    const raw = containers[0]!;
    expect(unpackRawContainer(raw, null)).toBe(raw);
    expect(() => unpackRawContainer(raw, 99)).toThrowError(DbError);
    expect(() => unpackRawContainer(raw, 99)).toThrowError(/raw_codec 99/);
  });
});
