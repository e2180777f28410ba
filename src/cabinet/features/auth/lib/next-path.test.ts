import { describe, expect, it } from 'vitest';
import { safeNextPath } from './next-path';

describe('where sign-in returns to', () => {
  it('returns to a path of this site only', () => {
    expect(safeNextPath('/receipts?operationType=2')).toBe('/receipts?operationType=2');
    expect(safeNextPath(null)).toBe('/');
    for (const evil of ['https://evil.example', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/sign-in?next=/x']) {
      expect(safeNextPath(evil)).toBe('/');
    }
  });
});
