// The shared money formatter (src/domain/money.ts). Expected strings are written out by hand, with the no-break space
// spelled as an escape so an editor cannot silently turn it into a plain one.
import { describe, expect, it } from 'vitest';
import { formatRubles, MoneyError } from '../../../src/domain/money.js';

describe('formatRubles', () => {
  it('prints kopecks the Russian way: no-break space groups, decimal comma, a no-break space before ₽', () => {
    expect(formatRubles(228090)).toBe('2\u00a0280,90\u00a0₽');
    expect(formatRubles(0)).toBe('0,00\u00a0₽');
    expect(formatRubles(5)).toBe('0,05\u00a0₽');
    expect(formatRubles(100)).toBe('1,00\u00a0₽');
    expect(formatRubles(99999)).toBe('999,99\u00a0₽');
    expect(formatRubles(100000)).toBe('1\u00a0000,00\u00a0₽');
    expect(formatRubles(49000)).toBe('490,00\u00a0₽');
    expect(formatRubles(490000)).toBe('4\u00a0900,00\u00a0₽');
    expect(formatRubles(123456789)).toBe('1\u00a0234\u00a0567,89\u00a0₽');
    expect(formatRubles(2 ** 53 - 1)).toBe('90\u00a0071\u00a0992\u00a0547\u00a0409,91\u00a0₽');
  });

  it('without the sign for columns headed «, ₽», and with a typographic minus below zero', () => {
    expect(formatRubles(150000, false)).toBe('1\u00a0500,00');
    expect(formatRubles(-228090)).toBe('\u22122\u00a0280,90\u00a0₽');
    expect(formatRubles(-7, false)).toBe('\u22120,07');
  });

  it('has no plain spaces or dots at all (what the old e-mails printed: 2280.90)', () => {
    const s = formatRubles(228090);
    expect(s).not.toContain(' ');
    expect(s).not.toContain('.');
  });

  it('refuses what is not whole kopecks rather than print a float', () => {
    expect(() => formatRubles(12.5)).toThrow(MoneyError);
    expect(() => formatRubles(Number.NaN)).toThrow(MoneyError);
  });
});
