import { describe, expect, it } from 'vitest';
import { addMonths, nextTerm, priceOn } from '../../../src/billing/service-terms.js';

describe('service terms', () => {
  const tariff = { months: 12, price: 300_000, promo_price: 250_000, promo_from: '2026-12-01', promo_until: '2026-12-31' };

  it('charges the promotional price inside its dates only, both ends included', () => {
    expect(priceOn(tariff, '2026-11-30')).toBe(300_000);
    expect(priceOn(tariff, '2026-12-01')).toBe(250_000);
    expect(priceOn(tariff, '2026-12-31')).toBe(250_000);
    expect(priceOn(tariff, '2027-01-01')).toBe(300_000);
    expect(priceOn({ ...tariff, promo_price: null, promo_from: null, promo_until: null }, '2026-12-05')).toBe(300_000);
  });

  it('adds months like a calendar: the 31st becomes the last day of a shorter month, leap years counted', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2026-12-05', 12)).toBe('2027-12-05');
    expect(addMonths('2026-11-15', 15)).toBe('2028-02-15');
  });

  it('starts a new term today when nothing is paid or the paid days are over, else the day after the paid end', () => {
    expect(nextTerm(null, '2026-12-05', 12)).toEqual({ startsOn: '2026-12-05', endsOn: '2027-12-04' });
    expect(nextTerm('2026-12-01', '2026-12-05', 1)).toEqual({ startsOn: '2026-12-05', endsOn: '2027-01-04' });
    expect(nextTerm('2026-12-05', '2026-12-05', 1)).toEqual({ startsOn: '2026-12-06', endsOn: '2027-01-05' });
    expect(nextTerm('2027-03-31', '2026-12-05', 36)).toEqual({ startsOn: '2027-04-01', endsOn: '2030-03-31' });
  });
});
