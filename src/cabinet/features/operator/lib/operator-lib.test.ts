// The tariff form's rules against the API's (src/api/routes/tariffs.routes.ts), the API's field issues placed on the
// form's fields, and the statement helpers: format recognition and a refusal in words.
import { describe, expect, it } from 'vitest';
import { ApiFailure } from '../../../lib/api/errors';
import { EMPTY_TARIFF, FIELD_RULES, changeBody, fieldsOfIssues, newTariffBody, tariffProblems } from './tariff-form';
import { detectFormat, importErrorText } from './statements';

const good = { ...EMPTY_TARIFF, code: 'year-12', months: 12, name: ' Год ', price: '2 990,50' };

describe('the tariff form', () => {
  it('sends what a person typed as the API reads it: trimmed name, kopecks, promo or null', () => {
    expect(tariffProblems(good, true)).toEqual({});
    expect(newTariffBody(good)).toEqual({ code: 'year-12', months: 12, name: 'Год', price: 299_050, promo: null, active: true });
    const promo = { ...good, promoOn: true, promoPrice: '2500', promoFrom: '2026-12-01', promoUntil: '2026-12-31' };
    expect(tariffProblems(promo, false)).toEqual({});
    expect(changeBody(promo)).toEqual({ name: 'Год', price: 299_050, promo: { price: 250_000, from: '2026-12-01', until: '2026-12-31' }, active: true });
  });

  it('finds what the API would refuse, field by field', () => {
    const bad = { ...good, code: 'Year 12', months: 61, name: '  ', price: '100000001', promoOn: true, promoPrice: 'сто', promoFrom: '2026-02-30', promoUntil: '2026-01-01' };
    expect(tariffProblems(bad, true)).toEqual({
      code: FIELD_RULES.code,
      months: FIELD_RULES.months,
      name: FIELD_RULES.name,
      price: FIELD_RULES.price,
      promoPrice: FIELD_RULES.promoPrice,
      promoFrom: FIELD_RULES.promoFrom,
      // Like the API's refine, the order of the dates is judged only when both are dates.
    });
    // A promotion ending before it starts; the maximum price itself is allowed; code and term are not checked on a change.
    expect(tariffProblems({ ...good, price: '100000000', promoOn: true, promoPrice: '1', promoFrom: '2026-12-10', promoUntil: '2026-12-09' }, true)).toEqual({ promoUntil: FIELD_RULES.promoUntil });
    expect(tariffProblems({ ...good, code: '', months: null }, false)).toEqual({});
    expect(tariffProblems({ ...good, months: 0 }, true)).toEqual({ months: FIELD_RULES.months });
  });

  it('puts the API’s issues on the fields they name, once each, and drops unknown ones', () => {
    expect(
      fieldsOfIssues([
        { path: 'body.promo.until', message: 'until is before from', issue: 'custom' },
        { path: 'body.code', message: 'Invalid string', issue: 'invalid_format' },
        { path: 'body.code', message: 'again', issue: 'custom' },
        { path: 'query.all', message: '?', issue: 'custom' },
      ]),
    ).toEqual([
      { name: 'promoUntil', errors: [FIELD_RULES.promoUntil] },
      { name: 'code', errors: [FIELD_RULES.code] },
    ]);
  });
});

describe('bank statement helpers', () => {
  it('recognises a 1C exchange file by its first line, with or without a BOM; anything else is CSV', () => {
    expect(detectFormat('1CClientBankExchange\r\nВерсияФормата=1.03')).toBe('1c');
    expect(detectFormat('\ufeff1CClientBankExchange\n')).toBe('1c');
    expect(detectFormat('date;number;amount;payerInn;payerName;purpose')).toBe('csv');
  });

  it('names the line at fault and the expected layout; nothing was credited', () => {
    const e = new ApiFailure(400, 'VALIDATION_FAILED', 'bad amount: сто', [{ path: 'body.line3', message: 'bad amount: сто', issue: 'custom' }]);
    const text = importErrorText(e, 'csv');
    expect(text).toContain('ничего не зачислено');
    expect(text).toContain('строка 3 (bad amount: сто)');
    expect(text).toContain('дата;номер;сумма;ИНН плательщика;плательщик;назначение');
    expect(importErrorText(e, '1c')).toContain('1CClientBankExchange');
    expect(importErrorText(new ApiFailure(0, 'NETWORK', 'x'), 'csv')).toBe('Выписка не загружена. Нет связи с сервером. Проверьте подключение к интернету и повторите.');
  });
});
