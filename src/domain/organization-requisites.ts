/**
 * An organization's requisites as a customer types them when registering it (issue 16): КПП, ОГРН / ОГРНИП with their
 * check digits, the e-document (ЭДО) operator and the tax systems. INN check digits are in inn.ts.
 *
 * - КПП: 9 characters — the tax office (4 digits), the reason (2 digits or capital Latin letters, since 2013), a
 *   number (3 digits). No check digit. Only legal entities (10-digit INN) have one.
 * - ОГРН (legal entity): 13 digits, the last one = (the first 12 as a number mod 11) mod 10.
 * - ОГРНИП (individual entrepreneur, 12-digit INN): 15 digits, the last one = (the first 14 mod 13) mod 10.
 */

export function isValidKpp(kpp: string): boolean {
  return /^\d{4}[0-9A-Z]{2}\d{3}$/.test(kpp);
}

/** Check digit of a registration number: the first `body` digits mod `modulus`, mod 10 (BigInt: 14 digits exceed int32 math only, but stay exact). */
function registrationCheckDigit(digits: string, modulus: bigint): number {
  return Number((BigInt(digits) % modulus) % 10n);
}

export function isValidOgrn(ogrn: string): boolean {
  return /^[1-9]\d{12}$/.test(ogrn) && registrationCheckDigit(ogrn.slice(0, 12), 11n) === ogrn.charCodeAt(12) - 48;
}

export function isValidOgrnip(ogrnip: string): boolean {
  return /^[1-9]\d{14}$/.test(ogrnip) && registrationCheckDigit(ogrnip.slice(0, 14), 13n) === ogrnip.charCodeAt(14) - 48;
}

/** ЭДО operators offered in the form (issue 16); the code is what the API stores, the title what the cabinet shows. */
export const EDO_OPERATORS = {
  edo_potok: 'ЭДО.ПОТОК',
  sbis: 'СБИС',
  diadoc: 'Диадок',
  taxcom: 'Такском-Файлер',
  garant: 'Гарант',
  other: 'Другой',
  none: 'Не подключен',
} as const;
export type EdoOperator = keyof typeof EDO_OPERATORS;
export const EDO_OPERATOR_CODES = Object.keys(EDO_OPERATORS) as [EdoOperator, ...EdoOperator[]];

/** Tax systems (1055 appliedTaxationType bits; ЕНВД is gone since 2021 and is not offered). */
export const TAX_SYSTEMS = {
  osn: { title: 'ОСН', bit: 1 },
  usn_income: { title: 'УСН доход', bit: 2 },
  usn_income_expense: { title: 'УСН доход минус расход', bit: 4 },
  esn: { title: 'ЕСХН', bit: 16 },
  patent: { title: 'ПСН (патент)', bit: 32 },
} as const;
export type TaxSystem = keyof typeof TAX_SYSTEMS;
export const TAX_SYSTEM_CODES = Object.keys(TAX_SYSTEMS) as [TaxSystem, ...TaxSystem[]];

export interface RequisiteProblem {
  field: 'kpp' | 'ogrn';
  message: string;
}

/**
 * What is wrong with the combination of an INN and the other requisites: a legal entity (10-digit INN) needs a КПП
 * and a 13-digit ОГРН; an individual entrepreneur (12-digit INN) has no КПП and a 15-digit ОГРНИП.
 */
export function requisiteProblems(inn: string, kpp: string | null | undefined, ogrn: string): RequisiteProblem[] {
  const problems: RequisiteProblem[] = [];
  if (inn.length === 10) {
    if (kpp === null || kpp === undefined || kpp === '') problems.push({ field: 'kpp', message: 'a legal entity (10-digit INN) needs a KPP' });
    else if (!isValidKpp(kpp)) problems.push({ field: 'kpp', message: 'expected a KPP of 9 characters: 4 digits, 2 digits or capital Latin letters, 3 digits' });
    if (!isValidOgrn(ogrn)) problems.push({ field: 'ogrn', message: 'expected an OGRN of 13 digits with a valid check digit' });
  } else {
    if (kpp !== null && kpp !== undefined && kpp !== '') problems.push({ field: 'kpp', message: 'an individual entrepreneur (12-digit INN) has no KPP' });
    if (!isValidOgrnip(ogrn)) problems.push({ field: 'ogrn', message: 'expected an OGRNIP of 15 digits with a valid check digit' });
  }
  return problems;
}
