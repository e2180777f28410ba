/**
 * Money as people read it in Russian: integer kopecks → `2 280,90 ₽` (a no-break space between digit groups and before
 * the sign, a decimal comma). The one formatter of every text the system sends (e-mails, SMS, Viber) and of the PDFs;
 * the cabinet has its twin in src/cabinet/lib/format.ts (the browser app imports nothing from src/). Machine formats
 * keep their own: the FNS QR string's `s=2280.90` (receipt-view.ts `rubles`), csv/xlsx exports.
 * Exact: integer arithmetic on the kopecks, never a float division.
 */
import { CodedError } from './errors.js';

export const NBSP = '\u00a0';
/** U+2212, the typographic minus the cabinet prints too. */
const MINUS = '\u2212';

/** A programming error upstream: money reached a text as something other than whole kopecks. */
export class MoneyError extends CodedError<'MONEY_NOT_KOPECKS'> {
  override readonly name = 'MoneyError';
}

function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
}

/** 228090 → `2 280,90 ₽`; `withSign` false → `2 280,90` (a column already headed «, ₽»). */
export function formatRubles(kopecks: number, withSign = true): string {
  if (!Number.isSafeInteger(kopecks)) throw new MoneyError('MONEY_NOT_KOPECKS', `money must be whole kopecks, got ${kopecks}`);
  const abs = Math.abs(kopecks);
  const text = `${kopecks < 0 ? MINUS : ''}${groupDigits(String(Math.floor(abs / 100)))},${String(abs % 100).padStart(2, '0')}`;
  return withSign ? `${text}${NBSP}₽` : text;
}
