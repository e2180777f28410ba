// The raw container's storage codec (src/db/raw-container.ts): lossless for any bytes, smaller for real containers,
// and old rows (raw_codec null) read as they are.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fleetJobs } from '../../../bench/fleet-jobs.js';
import { DbError } from '../../../src/db/errors.js';
import { CURRENT_RAW_CODEC, packRawContainer, RawCodec, unpackRawContainer } from '../../../src/db/raw-container.js';
import { forgetRawContexts, rawContextKey, rememberRawContext, type RawContext } from '../../../src/db/raw-context-cache.js';
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

describe('raw container codec 2: with the fiscal drive\'s context (migration 0081)', () => {
  const contextOf = (container: Buffer): RawContext => ({ key: rawContextKey(container), container });
  /** The containers of each drive, in the order it sent them (the session header's FN is not in the container: bytes 9–16 are its BCD). */
  const byDrive = (): Map<string, Buffer[]> => {
    const drives = new Map<string, Buffer[]>();
    for (const c of containers) {
      const fn = c.subarray(9, 17).toString('hex');
      drives.set(fn, [...(drives.get(fn) ?? []), c]);
    }
    return drives;
  };

  it('gives back any bytes exactly, whatever the context', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), fc.uint8Array({ minLength: 0, maxLength: 2048 }), (bytes, contextBytes) => {
        const raw = Buffer.from(bytes);
        const context = contextOf(Buffer.from(contextBytes));
        rememberRawContext(context);
        const packed = packRawContainer(raw, context);
        expect(packed.bytes.length).toBeLessThanOrEqual(raw.length);
        if (packed.codec === null) expect(packed.bytes).toBe(raw);
        else expect(packed.bytes.subarray(0, 8).equals(context.key)).toBe(true);
        expect(unpackRawContainer(packed.bytes, packed.codec).equals(raw)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('packs a drive\'s containers with its first receipt well below what the dictionary alone gives, and exactly', () => {
    let alone = 0;
    let withContext = 0;
    for (const sent of byDrive().values()) {
      const at = sent.findIndex((c) => c[5] === 3);
      if (at < 0) continue;
      const context = contextOf(sent[at]!);
      rememberRawContext(context);
      // As the persist worker packs: the documents after the receipt that became the context.
      for (const c of sent.slice(at + 1)) {
        const packed = packRawContainer(c, context);
        expect(packed.codec).toBe(RawCodec.deflateDictionaryV1WithContext);
        expect(unpackRawContainer(packed.bytes, packed.codec).equals(c)).toBe(true);
        alone += packRawContainer(c).bytes.length;
        withContext += packed.bytes.length;
      }
    }
    // Measured ≈ 0.6 for the emulator's mix (20 documents a drive here), the 8-byte key included.
    expect(withContext / alone).toBeLessThan(0.75);
  });

  it('refuses to unpack before the context is loaded, and a context whose bytes are not its key\'s', () => {
    const first = containers.find((c) => c[5] === 3)!;
    const context = contextOf(first);
    rememberRawContext(context);
    const packed = packRawContainer(containers[1]!, context);
    forgetRawContexts();
    expect(() => unpackRawContainer(packed.bytes, packed.codec)).toThrowError(expect.objectContaining({ code: 'DB_RAW_CONTEXT_NOT_LOADED' }));
    const damaged = Buffer.from(first);
    damaged[40] = damaged[40]! ^ 0xff;
    expect(() => rememberRawContext({ key: context.key, container: damaged })).toThrowError(expect.objectContaining({ code: 'DB_RAW_CONTEXT_DAMAGED' }));
    rememberRawContext(context);
    expect(unpackRawContainer(packed.bytes, packed.codec).equals(containers[1]!)).toBe(true);
  });
});
