/**
 * Russian number, money and date formats. Money is integer kopecks from the API → `1 234,50 ₽` (non-breaking spaces
 * between digit groups and before the sign, as Russian typography has it). Document times are the register's local
 * wall clock (`YYYY-MM-DDTHH:mm:ss`, tag 1012) and are shown as they are, never shifted to the viewer's time zone.
 */
const NBSP = '\u00a0';
const MINUS = '\u2212';

function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
}

/** 123450 → `1 234,50 ₽`; null/undefined → `—`. */
export function formatMoney(kopecks: number | null | undefined, withSign = true): string {
  if (kopecks === null || kopecks === undefined || !Number.isFinite(kopecks)) return '—';
  const abs = Math.abs(Math.trunc(kopecks));
  const text = `${kopecks < 0 ? MINUS : ''}${groupDigits(String(Math.trunc(abs / 100)))},${String(abs % 100).padStart(2, '0')}`;
  return withSign ? `${text}${NBSP}₽` : text;
}

/** 1234567 → `1 234 567`. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return `${n < 0 ? MINUS : ''}${groupDigits(String(Math.abs(Math.trunc(n))))}`;
}

/**
 * Rubles as a person types them (`1 234,5`, `1234.50`, `99`) → kopecks; undefined when it is not an amount.
 */
export function parseRubles(text: string): number | undefined {
  const m = /^(\d{1,12})(?:[.,](\d{1,2}))?$/.exec(text.replace(/[\s\u00a0₽]/g, ''));
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Kopecks → the rubles a form shows (`1234,5` → `1234,50`), no grouping. */
export function kopecksToInput(kopecks: number | undefined): string {
  return kopecks === undefined ? '' : formatMoney(kopecks, false).replace(/\u00a0/g, '');
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** `2026-12-05T09:05:00` → `05.12.2026 09:05` (as the register printed it); a bare date → `05.12.2026`. */
export function formatLocalDateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const m = LOCAL.exec(value);
  if (!m) return value;
  const date = `${m[3]}.${m[2]}.${m[1]}`;
  return m[4] === undefined ? date : `${date} ${m[4]}:${m[5]}`;
}

/** An instant (ISO with offset, e.g. arrival time) in the viewer's time zone: `05.12.2026, 09:05:07`. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('ru-RU', { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** 5 → `5 дней`, 1 → `1 день`, 3 → `3 дня`. */
export function plural(n: number, one: string, few: string, many: string): string {
  const a = Math.abs(n) % 100;
  const b = a % 10;
  if (a > 10 && a < 20) return many;
  if (b === 1) return one;
  if (b >= 2 && b <= 4) return few;
  return many;
}

/** An instant's Moscow calendar day, `DD.MM.YYYY` (the day a paid service ends, as the operator counts it). */
export function formatMoscowDay(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString('ru-RU', { timeZone: 'Europe/Moscow', day: '2-digit', month: '2-digit', year: 'numeric' });
}
