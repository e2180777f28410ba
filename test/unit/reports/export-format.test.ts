import { describe, expect, it } from 'vitest';
import { kopecksToRubles } from '../../../src/reports/export.js';
import { classifyAbcXyz } from '../../../src/reports/reports.js';

describe('kopecksToRubles', () => {
  it('formats integer kopecks exactly, with two decimals', () => {
    expect(kopecksToRubles(0)).toBe('0.00');
    expect(kopecksToRubles(5)).toBe('0.05');
    expect(kopecksToRubles(-5)).toBe('-0.05');
    expect(kopecksToRubles(12345)).toBe('123.45');
    expect(kopecksToRubles(-100)).toBe('-1.00');
    // Where float division would print noise: 0.1 + 0.2 style sums stay exact.
    expect(kopecksToRubles(10 + 20)).toBe('0.30');
    expect(kopecksToRubles(Number.MAX_SAFE_INTEGER)).toBe('90071992547409.91');
  });
});

describe('classifyAbcXyz', () => {
  it('ABC by cumulative revenue share (80/15/5) and XYZ by the coefficient of variation (10/25 %)', () => {
    // Weekly quantities over 4 weeks: steady [10,10,10,10] cv 0; [8,12,10,10] cv ≈ 14 %; [0,0,0,4] cv ≈ 173 %.
    const rows = classifyAbcXyz(
      [
        { name: 'a', revenue: 8000, quantity: '40', q1: 40, q2: 400 },
        { name: 'b', revenue: 1500, quantity: '40', q1: 40, q2: 64 + 144 + 100 + 100 },
        { name: 'c', revenue: 500, quantity: '4', q1: 4, q2: 16 },
      ],
      4,
    );
    expect(rows.map((r) => `${r.name}${r.abc}${r.xyz}`)).toEqual(['aAX', 'bBY', 'cCZ']);
    expect(rows[1]!.variationPercent).toBe('14.14');
    expect(rows.map((r) => r.cumulativePercent)).toEqual(['80.00', '95.00', '100.00']);
  });
});
