import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { decodeFnBcd, encodeFnBcd } from '../../../protocol/bcd.js';
import { ProtocolError } from '../../../protocol/errors.js';

describe('FN number, packed BCD (§2.1)', () => {
  it('decodes the spec example 99 99 07 89 02 01 32 67', () => {
    expect(decodeFnBcd(Buffer.from('9999078902013267', 'hex'))).toBe('9999078902013267');
  });

  it('drops trailing F padding (vector: 999907891234567F)', () => {
    expect(decodeFnBcd(Buffer.from('999907891234567f', 'hex'))).toBe('999907891234567');
    expect(encodeFnBcd('999907891234567').toString('hex')).toBe('999907891234567f');
  });

  it('rejects non-digit nibbles and padding inside the digits', () => {
    expect(() => decodeFnBcd(Buffer.from('99990789a2013267', 'hex'))).toThrow(ProtocolError);
    expect(() => decodeFnBcd(Buffer.from('9999f78902013267', 'hex'))).toThrow(ProtocolError);
  });

  test.prop([fc.stringMatching(/^\d{1,16}$/)])('round-trips any 1–16 digit number', (fn) => {
    expect(decodeFnBcd(encodeFnBcd(fn))).toBe(fn);
  });
});
