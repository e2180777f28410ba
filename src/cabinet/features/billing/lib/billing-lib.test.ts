// Pure logic of the billing screens: the paid-until preview, the multi-register plan, the expiry banner's levels, the
// history's basis texts, errors with what to do, the return from the card provider. Expected values are worked out
// by hand from the calendar, not by the code under test.
import { describe, expect, it } from 'vitest';
import { ApiFailure } from '../../../lib/api/errors';
import { amountError } from '../components/TopUpPanel';
import { billingErrorText, isInsufficientFunds } from './billing-errors';
import { daysLeftText, expiryNotice, levelOf, type ServiceOf } from './expiry';
import { documentStatus } from './labels';
import { referenceText } from './references';
import { addMonths, moscowPeriod, moscowToday, nextTerm, promoOn } from './service-term';
import { planTariff, topUpFor } from './tariff-plan';
import { recallTopUp, rememberTopUp, returnUrlFor } from './top-up-return';

describe('the paid-until preview', () => {
  it('starts today when nothing is paid or the paid days are over', () => {
    expect(nextTerm(null, '2026-12-05', 12)).toEqual({ startsOn: '2026-12-05', endsOn: '2027-12-04' });
    expect(nextTerm('2026-11-30', '2026-12-05', 1)).toEqual({ startsOn: '2026-12-05', endsOn: '2027-01-04' });
  });
  it('adds a renewal after the current paid end, the last day included', () => {
    expect(nextTerm('2026-12-05', '2026-12-05', 1)).toEqual({ startsOn: '2026-12-06', endsOn: '2027-01-05' });
    expect(nextTerm('2027-03-31', '2026-12-05', 15)).toEqual({ startsOn: '2027-04-01', endsOn: '2028-06-30' });
  });
  it('ends a month from the 31st on the shorter month’s last day, leap years included', () => {
    expect(addMonths('2027-01-31', 1)).toBe('2027-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(nextTerm(null, '2027-01-31', 1)).toEqual({ startsOn: '2027-01-31', endsOn: '2027-02-27' });
  });
  it('takes the Moscow date (UTC+3) of an instant', () => {
    expect(moscowToday(new Date('2026-12-05T20:59:59Z'))).toBe('2026-12-05');
    expect(moscowToday(new Date('2026-12-05T21:00:00Z'))).toBe('2026-12-06');
  });
  it('turns a period of Moscow days into the history’s instants, the last day included', () => {
    expect(moscowPeriod('2026-11-01', '2026-11-30')).toEqual({ from: '2026-11-01T00:00:00+03:00', to: '2026-12-01T00:00:00+03:00' });
    expect(moscowPeriod(undefined, '2026-12-31')).toEqual({ to: '2027-01-01T00:00:00+03:00' });
    expect(moscowPeriod(undefined, undefined)).toEqual({});
  });
  it('applies a promotion inside its dates only', () => {
    const t = { months: 12, price: 300000, promo: { price: 250000, from: '2026-12-01', until: '2026-12-31' } };
    expect(promoOn(t, '2026-11-30')).toBe(false);
    expect(promoOn(t, '2026-12-01')).toBe(true);
    expect(promoOn(t, '2026-12-31')).toBe(true);
    expect(promoOn(t, '2027-01-01')).toBe(false);
  });
});

describe('a tariff for several registers', () => {
  const registers = [
    { id: 1, registrationNumber: '0000000000000001', until: null },
    { id: 2, registrationNumber: '0000000000000002', until: '2027-01-10' },
  ];
  it('gives each register its own new end and sums the price', () => {
    const plan = planTariff(registers, { months: 12, priceToday: 300000 }, 1_000_000, '2026-12-05');
    expect(plan.lines.map((l) => [l.registerId, l.startsOn, l.endsOn])).toEqual([
      [1, '2026-12-05', '2027-12-04'],
      [2, '2027-01-11', '2028-01-10'],
    ]);
    expect(plan.total).toBe(600000);
    expect(plan.balanceAfter).toBe(400000);
    expect(plan.shortfall).toBe(0);
  });
  it('says how much is missing, and tops up in whole rubles', () => {
    const plan = planTariff(registers, { months: 1, priceToday: 40000 }, 50050, '2026-12-05');
    expect(plan.shortfall).toBe(80000 - 50050);
    expect(topUpFor(29950)).toBe(30000);
    expect(topUpFor(1)).toBe(100);
    expect(topUpFor(0)).toBe(0);
  });
});

describe('the expiry banner', () => {
  const reg = (id: number, daysLeft: number | null, acknowledging = true): ServiceOf => ({
    id,
    registrationNumber: String(id).padStart(16, '0'),
    ofdService: { until: daysLeft === null ? null : '2026-12-31', daysLeft, status: daysLeft === null ? 'none' : daysLeft < 0 ? 'expired' : 'active', acknowledging, unpaidPolicy: 'flag' },
  });
  it('maps days left onto the 30/7/1 thresholds', () => {
    expect([31, 30, 8, 7, 2, 1, 0, -1, null].map(levelOf)).toEqual([undefined, '30', '30', '7', '7', '1', '1', 'expired', undefined]);
  });
  it('takes the closest threshold and lists the soonest first', () => {
    const n = expiryNotice([reg(1, 25), reg(2, 90), reg(3, 6), reg(4, null)]);
    expect(n?.level).toBe('7');
    expect(n?.registers.map((r) => r.id)).toEqual([3, 1]);
    expect(n?.notAcknowledging).toBe(false);
  });
  it('puts ended service first and knows when documents are not acknowledged', () => {
    const n = expiryNotice([reg(1, 3), reg(2, -2, false)]);
    expect(n?.level).toBe('expired');
    expect(n?.registers.map((r) => r.id)).toEqual([2, 1]);
    expect(n?.notAcknowledging).toBe(true);
  });
  it('stays silent when nothing ends within 30 days', () => {
    expect(expiryNotice([reg(1, 31), reg(2, null)])).toBeUndefined();
  });
  it('says the days in Russian', () => {
    expect(daysLeftText(0)).toBe('сегодня последний оплаченный день');
    expect(daysLeftText(1)).toBe('завтра последний оплаченный день');
    expect(daysLeftText(5)).toBe('осталось 5 дней');
    expect(daysLeftText(22)).toBe('осталось 22 дня');
    expect(daysLeftText(21)).toBe('осталось 21 день');
    expect(daysLeftText(-11)).toBe('закончилось 11 дней назад');
  });
});

describe('the history and documents in words', () => {
  const names = { registers: new Map([[7, '0000000000000007']]), tariffs: new Map([[2, 'ОФД на 12 месяцев']]) };
  it('names the basis of each movement', () => {
    expect(referenceText('register:7', names)).toBe('Касса РН 0000000000000007');
    expect(referenceText('register:8', names)).toBe('Касса №8');
    expect(referenceText('card-payment:5', names)).toBe('Платёж картой №5');
    expect(referenceText('tariff:2', names)).toBe('ОФД на 12 месяцев');
    expect(referenceText('product:sms-250x1', names)).toBe('Пакет 250 SMS');
    expect(referenceText('product:sms-100x3', names)).toBe('Пакет 100 SMS × 3');
    expect(referenceText('product:branded-12m', names)).toBe('Брендированные чеки на 12 мес.');
    expect(referenceText('invoice:2026-000012', names)).toBe('Счёт № 2026-000012');
    expect(referenceText('month:2026-11', names)).toBe('SMS за 11.2026');
    expect(referenceText('receipt:9999078900000001/42', names)).toBe('Чек ФД 42 (ФН 9999078900000001)');
    expect(referenceText('9999078900000001-42-0-a1', names)).toBe('Чек ФД 42 (ФН 9999078900000001)');
    expect(referenceText('viber-9999078900000001-42-1-a2', names)).toBe('Чек ФД 42 (ФН 9999078900000001)');
    expect(referenceText('Оплата наличными в офисе', names)).toBe('Оплата наличными в офисе');
  });
  it('names document statuses', () => {
    expect(documentStatus('invoice', 'issued').text).toBe('Ожидает оплаты');
    expect(documentStatus('invoice', 'paid').text).toBe('Оплачен');
    expect(documentStatus('act', 'issued').text).toBe('Сформирован');
  });
});

describe('errors and amounts say what to do', () => {
  it('turns billing codes into actions and falls back to the shared texts', () => {
    const short = new ApiFailure(409, 'INSUFFICIENT_FUNDS', 'balance does not cover');
    expect(billingErrorText(short)).toContain('Пополните баланс');
    expect(isInsufficientFunds(short)).toBe(true);
    expect(billingErrorText(new ApiFailure(503, 'PAYMENTS_NOT_CONFIGURED', ''))).toContain('по счёту');
    expect(billingErrorText(new ApiFailure(0, 'NETWORK', ''))).toContain('Нет связи');
    expect(billingErrorText(new Error('boom'))).toContain('Повторите позже');
  });
  it('checks a typed amount', () => {
    expect(amountError('', 100_000_00)).toContain('Введите сумму');
    expect(amountError('12,345', 100_000_00)).toContain('копейки через запятую');
    expect(amountError('0,50', 100_000_00)).toBe('Минимальная сумма — 1 ₽');
    expect(amountError('100 000,01', 100_000_00)).toContain('Максимальная сумма');
    expect(amountError('1 500,50', 100_000_00)).toBeUndefined();
  });
});

describe('the return from the card provider', () => {
  it('carries the organization and the purchase key, and finds the payment again', () => {
    const url = new URL(returnUrlFor('https://lk.ofd.test', 12, 'card:abc-123'));
    expect(url.pathname).toBe('/billing');
    expect(url.searchParams.get('organizationId')).toBe('12');
    expect(url.searchParams.get('topUp')).toBe('card:abc-123');
    const store = new Map<string, string>();
    const storage = { setItem: (k: string, v: string) => void store.set(k, v), getItem: (k: string) => store.get(k) ?? null };
    rememberTopUp('card:abc-123', 77, storage);
    expect(recallTopUp('card:abc-123', storage)).toBe(77);
    expect(recallTopUp('card:other', storage)).toBeUndefined();
  });
});
