import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../src/api/cursor.js';
import { isApiError } from '../../../src/api/errors.js';

describe('cursors', () => {
  it('round-trip the sort key of their listing', () => {
    const c = encodeCursor('documents', ['2024-09-17T18:01:00.123Z', '9999078900000001', 42]);
    expect(decodeCursor('documents', c, 3)).toEqual(['2024-09-17T18:01:00.123Z', '9999078900000001', 42]);
  });

  it.each([
    ['garbage', 'not base64 json'],
    [encodeCursor('shifts', ['1', 2]), 'another listing'],
    [encodeCursor('documents', ['x']), 'wrong arity'],
    [Buffer.from('{"a":1}').toString('base64url'), 'not a tuple'],
  ])('refuse %s (%s) with BAD_CURSOR', (cursor) => {
    let error: unknown;
    try {
      decodeCursor('documents', cursor, 3);
    } catch (e) {
      error = e;
    }
    expect(isApiError(error) && error.code).toBe('BAD_CURSOR');
  });
});
