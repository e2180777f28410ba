// toJsonValue (src/domain/json-value.ts) against its oracle, the JSON text round trip it replaces: for arbitrary values
// and for decoded documents of every form, the value equals JSON.parse(JSON.stringify(x, bigints as decimal strings)).
import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { decodeDocument, encodeDocument } from '../../../protocol/document-json.js';
import { ProtocolError } from '../../../protocol/errors.js';
import { toJsonValue } from '../../../src/domain/json-value.js';
import { documentArb, receiptWithItemsArb } from '../../support/document-arbitraries.js';

const viaText = (x: unknown): unknown => {
  const text = JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return text === undefined ? undefined : JSON.parse(text);
};

/** What JSON.stringify accepts (no boxed primitives: it unboxes them, which decoded documents never hold). */
const anyValue = fc.anything({
  // Not 'constructor': vitest's equality compares objects' constructor properties, and an own one confuses it.
  key: fc.oneof(fc.string().filter((k) => k !== 'constructor'), fc.constantFrom('__proto__', 'toJSON')),
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withTypedArray: true,
  withSparseArray: true,
  withObjectString: true,
  withBoxedValues: false,
});

describe('toJsonValue', () => {
  test.prop([anyValue], { numRuns: 2000 })('equals the JSON text round trip for any value', (x) => {
    expect(toJsonValue(x)).toStrictEqual(viaText(x));
  });

  it('leaves out what JSON leaves out, writes null where JSON does, and calls toJSON', () => {
    const value = {
      a: undefined,
      f: () => 1,
      s: Symbol('x'),
      list: [undefined, () => 1, Number.NaN, -0, 2n ** 64n],
      when: new Date(Date.UTC(2026, 11, 7)),
      bytes: Buffer.from([1, 2]),
      nested: { toJSON: (key: string) => `key ${key}` },
    };
    expect(toJsonValue(value)).toStrictEqual({
      list: [null, null, null, 0, '18446744073709551616'],
      when: '2026-12-07T00:00:00.000Z',
      bytes: { type: 'Buffer', data: [1, 2] },
      nested: 'key nested',
    });
    expect(toJsonValue(undefined)).toBeUndefined();
    // A function with a toJSON is a value to JSON.stringify too; a toJSON getter is read once.
    let reads = 0;
    const withGetter = {
      get toJSON() {
        reads++;
        return () => 'got';
      },
    };
    expect(toJsonValue({ f: Object.assign(() => 1, { toJSON: () => 'fn' }), g: withGetter })).toStrictEqual(viaText({ f: Object.assign(() => 1, { toJSON: () => 'fn' }), g: withGetter }));
    reads = 0;
    toJsonValue(withGetter);
    expect(reads).toBe(1);
  });

  it('equals it for a receipt decoded past COMPILE_AFTER (64), whose objects come from compiled constructors', () => {
    const sample = JSON.parse(readFileSync(new URL('../../../fixtures/vectors/fns-receipt-ffd12.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const wire = encodeDocument({ receipt: sample });
    for (let i = 0; i < 70; i++) {
      const decoded = decodeDocument(wire).json;
      if (i === 0 || i >= 64) expect(toJsonValue(decoded)).toStrictEqual(viaText(decoded));
    }
  });

  function decodedEqualsText(json: Record<string, unknown>): void {
    let wire: Buffer;
    try {
      wire = encodeDocument(json);
    } catch (e) {
      fc.pre(!(e instanceof ProtocolError && e.code === 'TLV_TOO_LONG'));
      throw e;
    }
    const decoded = decodeDocument(wire).json;
    expect(toJsonValue(decoded)).toStrictEqual(viaText(decoded));
  }

  test.prop([documentArb], { numRuns: 300 })('equals it for decoded documents of every form', decodedEqualsText);
  test.prop([receiptWithItemsArb], { numRuns: 200 })('equals it for decoded receipts with items', decodedEqualsText);
});
