import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../src/api/cursor.js';
import { isApiError } from '../../../src/api/errors.js';

describe('cursors', () => {
  it('round-trip the sort key of their listing', () => {
    const c = encodeCursor('documents', ['2024-09-17T18:01:00.123Z', '9999078900000001', 42]);
    expect(decodeCursor('documents', c, ['instant', 'fn', 'uint32'])).toEqual(['2024-09-17T18:01:00.123Z', '9999078900000001', 42]);
  });

  it.each([
    ['garbage', 'not base64 json'],
    [encodeCursor('shifts', ['1', 2]), 'another listing'],
    [encodeCursor('documents', ['x']), 'wrong arity'],
    [Buffer.from('{"a":1}').toString('base64url'), 'not a tuple'],
    [encodeCursor('documents', [12, '9999078900000001', 42]), 'a number where the instant goes'],
    [encodeCursor('documents', ['2024-09-17T18:01:00.123Z', '9999078900000001', 'x']), 'a string where the FD goes'],
    [encodeCursor('documents', ['2024-13-45T18:01:00Z', '9999078900000001', 1]), 'an impossible instant'],
    [encodeCursor('documents', ['2024-09-17T18:01:00.123Z', 'abc', 1]), 'not an FN'],
  ])('refuse %s (%s) with BAD_CURSOR', (cursor) => {
    let error: unknown;
    try {
      decodeCursor('documents', cursor, ['instant', 'fn', 'uint32']);
    } catch (e) {
      error = e;
    }
    expect(isApiError(error) && error.code).toBe('BAD_CURSOR');
  });
});
