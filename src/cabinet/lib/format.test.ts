import { describe, expect, it } from 'vitest';
import { formatCount, formatLocalDateTime, formatMoney, kopecksToInput, parseRubles, plural } from './format';

const NB = '\u00a0';

describe('money', () => {
  it('prints kopecks as rubles with kopecks, grouped by non-breaking spaces, with the ruble sign', () => {
    expect(formatMoney(123450)).toBe(`1${NB}234,50${NB}₽`);
    expect(formatMoney(5)).toBe(`0,05${NB}₽`);
    expect(formatMoney(0)).toBe(`0,00${NB}₽`);
    expect(formatMoney(100_000_000_00)).toBe(`100${NB}000${NB}000,00${NB}₽`);
    expect(formatMoney(-18100)).toBe(`\u2212181,00${NB}₽`);
    expect(formatMoney(123450, false)).toBe(`1${NB}234,50`);
    expect(formatMoney(null)).toBe('—');
  });

  it('reads rubles as people type them, and refuses what is not an amount', () => {
    expect(parseRubles('1 234,5')).toBe(123450);
    expect(parseRubles('1234.50')).toBe(123450);
    expect(parseRubles('99')).toBe(9900);
    expect(parseRubles('0,07')).toBe(7);
    expect(parseRubles(`1${NB}234,50 ₽`)).toBe(123450);
    expect(parseRubles('12,345')).toBeUndefined();
    expect(parseRubles('-5')).toBeUndefined();
    expect(parseRubles('abc')).toBeUndefined();
    expect(kopecksToInput(123450)).toBe('1234,50');
  });

  it('groups counts and picks the Russian plural', () => {
    expect(formatCount(1234567)).toBe(`1${NB}234${NB}567`);
    expect([1, 2, 5, 11, 21, 22, 25, 111].map((n) => plural(n, 'день', 'дня', 'дней'))).toEqual(['день', 'дня', 'дней', 'дней', 'день', 'дня', 'дней', 'дней']);
  });
});

describe('document times', () => {
  it('shows the register’s wall clock as it is, never shifted to the viewer’s zone', () => {
    expect(formatLocalDateTime('2026-12-05T23:59:30')).toBe('05.12.2026 23:59');
    expect(formatLocalDateTime('2026-01-02T00:05')).toBe('02.01.2026 00:05');
    expect(formatLocalDateTime('2026-03-08')).toBe('08.03.2026');
    expect(formatLocalDateTime(null)).toBe('—');
    expect(formatLocalDateTime('garbage')).toBe('garbage');
  });
});
