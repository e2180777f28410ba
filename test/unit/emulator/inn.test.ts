import { describe, expect, it } from 'vitest';
import { isValidInn, withInnCheckDigits } from '../../../src/domain/inn.js';

describe('INN check digits', () => {
  it.each([
    ['7704211201', 'the OFD INN in real acks (protocol.md §3.3)'],
    ['7825706086', 'the owner of vectors/fns-receipt-ffd12.json'],
    ['7707083893', 'Sberbank'],
    ['7736207543', 'Yandex'],
    ['500100732259', 'an individual, the usual 12-digit example'],
    ['272210689013', 'the cashier INN (1203) of vectors/fns-receipt-ffd12.json'],
  ])('accepts %s (%s)', (inn) => {
    expect(isValidInn(inn)).toBe(true);
  });

  it.each([
    ['7704211202', 'last digit changed'],
    ['7825706080', 'last digit changed'],
    ['500100732258', '12th digit changed'],
    ['500100732269', '11th digit changed'],
    ['7704211201  ', 'FFD padding left in'],
    ['770421120', '9 digits'],
    ['77042112011', '11 digits'],
    ['77042112O1', 'a letter O'],
    ['', 'empty'],
  ])('rejects %j (%s)', (inn) => {
    expect(isValidInn(inn)).toBe(false);
  });

  it('completes bodies into valid INNs: 9 digits → 10, 10 digits → 12', () => {
    expect(withInnCheckDigits('770421120')).toBe('7704211201');
    expect(withInnCheckDigits('5001007322')).toBe('500100732259');
    for (let i = 0; i < 200; i++) {
      const body9 = String(100000000 + i * 4_999_999).slice(0, 9);
      const body10 = String(1000000000 + i * 44_444_443).slice(0, 10);
      expect(isValidInn(withInnCheckDigits(body9))).toBe(true);
      expect(isValidInn(withInnCheckDigits(body10))).toBe(true);
    }
  });

  it('any other final check digit is rejected', () => {
    for (const inn of ['7704211201', '500100732259']) {
      for (let d = 0; d <= 9; d++) {
        const other = inn.slice(0, -1) + String(d);
        expect(isValidInn(other)).toBe(other === inn);
      }
    }
  });

  it('refuses a body that is neither 9 nor 10 digits', () => {
    expect(() => withInnCheckDigits('12345678')).toThrow(RangeError);
    expect(() => withInnCheckDigits('12345678901')).toThrow(RangeError);
  });
});
