/**
 * The tariff form's values ↔ the API's body, the rules the API checks (src/api/routes/tariffs.routes.ts) restated so a
 * person learns them before sending, and the API's 400 field issues placed back on the field they concern.
 */
import { kopecksToInput, parseRubles } from '../../../lib/format';
import type { FieldIssue } from '../../../lib/api/errors';
import type { CatalogueTariff, NewTariff, TariffChange } from '../api/operator';

export interface TariffFormValues {
  code: string;
  months: number | null;
  name: string;
  price: string;
  promoOn: boolean;
  promoPrice: string;
  promoFrom: string;
  promoUntil: string;
  active: boolean;
}

export type TariffField = keyof TariffFormValues;

/** The API's limits: a price is 0 … 100 000 000 ₽ in kopecks, a term 1 … 60 months. */
export const MAX_PRICE = 100_000_000_00;
export const MONTHS_MIN = 1;
export const MONTHS_MAX = 60;
const CODE = /^[a-z0-9_-]{1,40}$/;
const DAY = /^2[01]\d{2}-\d{2}-\d{2}$/;

/** What each field must be, in words: shown by the form's own check and when the API refuses the field. */
export const FIELD_RULES: Record<TariffField, string> = {
  code: 'Код: латинские строчные буквы, цифры, «-» и «_», до 40 знаков (например, year-12).',
  months: `Срок: целое число месяцев от ${MONTHS_MIN} до ${MONTHS_MAX}.`,
  name: 'Название: от 1 до 200 знаков.',
  price: 'Цена: сумма в рублях до 100 000 000, например 3000 или 2 990,50.',
  promoOn: 'Проверьте акцию.',
  promoPrice: 'Цена по акции: сумма в рублях до 100 000 000, например 2500.',
  promoFrom: 'Начало акции: дата в 2000–2199 годах.',
  promoUntil: 'Конец акции: дата не раньше начала акции.',
  active: 'Проверьте, продаётся ли тариф.',
};

export const EMPTY_TARIFF: TariffFormValues = { code: '', months: 12, name: '', price: '', promoOn: false, promoPrice: '', promoFrom: '', promoUntil: '', active: true };

export function valuesOf(t: CatalogueTariff): TariffFormValues {
  return {
    code: t.code,
    months: t.months,
    name: t.name,
    price: kopecksToInput(t.price),
    promoOn: t.promo !== null,
    promoPrice: kopecksToInput(t.promo?.price),
    promoFrom: t.promo?.from ?? '',
    promoUntil: t.promo?.until ?? '',
    active: t.active,
  };
}

/** A money field's kopecks within the API's limits, or undefined. */
export function moneyOf(text: string): number | undefined {
  const k = parseRubles(text);
  return k !== undefined && k <= MAX_PRICE ? k : undefined;
}

const validDay = (d: string) => DAY.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);

/** The problems the API would find, by field (empty when the form may be sent). `creating`: code and term count too. */
export function tariffProblems(v: TariffFormValues, creating: boolean): Partial<Record<TariffField, string>> {
  const p: Partial<Record<TariffField, string>> = {};
  if (creating && !CODE.test(v.code)) p.code = FIELD_RULES.code;
  if (creating && (v.months === null || !Number.isInteger(v.months) || v.months < MONTHS_MIN || v.months > MONTHS_MAX)) p.months = FIELD_RULES.months;
  const name = v.name.trim();
  if (name.length < 1 || name.length > 200) p.name = FIELD_RULES.name;
  if (moneyOf(v.price) === undefined) p.price = FIELD_RULES.price;
  if (v.promoOn) {
    if (moneyOf(v.promoPrice) === undefined) p.promoPrice = FIELD_RULES.promoPrice;
    if (!validDay(v.promoFrom)) p.promoFrom = FIELD_RULES.promoFrom;
    if (!validDay(v.promoUntil) || (validDay(v.promoFrom) && v.promoUntil < v.promoFrom)) p.promoUntil = FIELD_RULES.promoUntil;
  }
  return p;
}

/** The body of PUT /tariffs/{id} (call only when tariffProblems found none). */
export function changeBody(v: TariffFormValues): TariffChange {
  return {
    name: v.name.trim(),
    price: moneyOf(v.price)!,
    promo: v.promoOn ? { price: moneyOf(v.promoPrice)!, from: v.promoFrom, until: v.promoUntil } : null,
    active: v.active,
  };
}

export function newTariffBody(v: TariffFormValues): NewTariff {
  return { code: v.code, months: v.months!, ...changeBody(v) };
}

const API_FIELD: Record<string, TariffField> = {
  'body.code': 'code',
  'body.months': 'months',
  'body.name': 'name',
  'body.price': 'price',
  'body.promo': 'promoPrice',
  'body.promo.price': 'promoPrice',
  'body.promo.from': 'promoFrom',
  'body.promo.until': 'promoUntil',
  'body.active': 'active',
};

/** The API's 400 issues as the form's fields with the rule in words; issues of no known field are left out. */
export function fieldsOfIssues(issues: readonly FieldIssue[]): Array<{ name: TariffField; errors: string[] }> {
  const fields = new Map<TariffField, string>();
  for (const i of issues) {
    const name = API_FIELD[i.path];
    if (name && !fields.has(name)) fields.set(name, FIELD_RULES[name]);
  }
  return [...fields].map(([name, rule]) => ({ name, errors: [rule] }));
}
