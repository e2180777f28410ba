/**
 * INN (ИНН, taxpayer number) check digits. A legal entity's INN has 10 digits, the last one a check digit; an
 * individual's (and an ИП's) has 12, the last two check digits. Each check digit is a weighted sum of the digits before
 * it, mod 11, mod 10. The emulator uses it to make owners, the ФЛК and the API to reject mistyped INNs.
 */

/** Weights for the check digit of a 10-digit INN (over digits 1–9). */
const WEIGHTS_10 = [2, 4, 10, 3, 5, 9, 4, 6, 8] as const;
/** Weights for the 11th digit of a 12-digit INN (over digits 1–10). */
const WEIGHTS_11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8] as const;
/** Weights for the 12th digit of a 12-digit INN (over digits 1–11). */
const WEIGHTS_12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8] as const;

function checkDigit(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits.charCodeAt(i) - 48) * weights[i]!;
  return (sum % 11) % 10;
}

/**
 * True when `inn` is 10 or 12 digits with correct check digits. Padding (FFD pads 1018 to 12 with spaces) is the
 * caller's to trim: a padded value is not an INN.
 */
export function isValidInn(inn: string): boolean {
  if (/^\d{10}$/.test(inn)) return checkDigit(inn, WEIGHTS_10) === inn.charCodeAt(9) - 48;
  if (/^\d{12}$/.test(inn)) {
    return checkDigit(inn, WEIGHTS_11) === inn.charCodeAt(10) - 48 && checkDigit(inn, WEIGHTS_12) === inn.charCodeAt(11) - 48;
  }
  return false;
}

/**
 * Completes an INN body with its check digits: 9 digits → a legal entity's 10-digit INN, 10 digits → an individual's
 * 12-digit INN.
 */
export function withInnCheckDigits(body: string): string {
  if (/^\d{9}$/.test(body)) return body + String(checkDigit(body, WEIGHTS_10));
  if (/^\d{10}$/.test(body)) {
    const eleven = body + String(checkDigit(body, WEIGHTS_11));
    return eleven + String(checkDigit(eleven, WEIGHTS_12));
  }
  throw new RangeError(`an INN body is 9 (legal entity) or 10 (individual) digits, got ${JSON.stringify(body)}`);
}
