// РНМ check numbers on published values only: real receipts as the FNS serves them to buyers (user INN, РНМ and KKT
// serial printed by the FNS, not by us) and the CRC catalogue's check value.
import { describe, expect, it } from 'vitest';
import { checkRnm, computeRnm, crc16Ccitt, assertRnm, RnmError } from '../../../src/domain/kkt-registration/rnm.js';

/**
 * (userInn, kktRegId, numberKkt) of public FNS receipts:
 * 1. fixtures/vectors/fns-receipt-ffd12.json — the project's public FFD 1.2 receipt (ООО «Агроторг»), also published in
 *    leatherpants/check-tool src/utils/data.ts;
 * 2. an FNS «Проверка чеков» answer for ООО «Агроторг», ФН 7384440900844678, ФД 43553 (2026-08-03), published in a public
 *    GitHub repository's test (FnsApiTest.cs).
 */
const published = [
  { inn: '7825706086', rnm: '0007795807005569', serial: '00105726645591' },
  { inn: '7825706086', rnm: '0006828493046904', serial: '0141870012176301' },
] as const;

describe('crc16Ccitt', () => {
  it('gives the catalogue check value of CRC-16/CCITT-FALSE: 0x29B1 over "123456789"', () => {
    expect(crc16Ccitt(Buffer.from('123456789', 'ascii'))).toBe(0x29b1);
  });
});

describe('РНМ on published receipts', () => {
  it.each(published)('accepts $rnm for INN $inn and serial $serial', ({ inn, rnm, serial }) => {
    expect(checkRnm(rnm, inn, serial)).toEqual({ valid: true });
    expect(computeRnm(rnm.slice(0, 10), inn, serial)).toBe(rnm);
    expect(computeRnm(Number(rnm.slice(0, 10)), inn, serial)).toBe(rnm);
  });

  it('accepts the FFD padding the FNS JSON carries (1018 and 1037 padded with spaces)', () => {
    expect(checkRnm('0007795807005569    ', '7825706086  ', '00105726645591')).toEqual({ valid: true });
  });

  it('refuses the same РНМ for another serial, another INN or another ordinal', () => {
    const [a, b] = published;
    expect(checkRnm(a.rnm, a.inn, b.serial)).toMatchObject({ valid: false, code: 'RNM_CHECK_MISMATCH' });
    expect(checkRnm(a.rnm, '7707083893', a.serial)).toMatchObject({ valid: false, code: 'RNM_CHECK_MISMATCH' });
    expect(checkRnm(`0007795808${a.rnm.slice(10)}`, a.inn, a.serial)).toMatchObject({ valid: false, code: 'RNM_CHECK_MISMATCH' });
    expect(() => assertRnm(b.rnm, b.inn, a.serial)).toThrow(RnmError);
  });

  it('gives typed errors for malformed input', () => {
    expect(checkRnm('123', '7825706086', '1')).toMatchObject({ valid: false, code: 'RNM_FORMAT' });
    expect(checkRnm('0007795807005569', '78257060', '1')).toMatchObject({ valid: false, code: 'RNM_INPUT' });
    expect(checkRnm('0007795807005569', '7825706086', '')).toMatchObject({ valid: false, code: 'RNM_INPUT' });
    expect(() => computeRnm(-1, '7825706086', '1')).toThrow(RnmError);
    expect(() => computeRnm('12345678901', '7825706086', '1')).toThrow(RnmError);
  });
});
