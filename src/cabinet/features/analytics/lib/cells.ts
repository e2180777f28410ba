/** A report cell as the tables show it: money and counts in Russian format, decimals with a comma, dates as dd.mm.yyyy. */
import { formatCount, formatLocalDateTime, formatMoney } from '../../../lib/format';

export type Cell = string | number | boolean | null | undefined;
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/;

export function formatCell(kind: string, v: Cell): string {
  if (v === null || v === undefined || v === '') return '—';
  if (kind === 'money') return typeof v === 'number' ? formatMoney(v, false) : String(v);
  if (kind === 'int') return typeof v === 'number' ? formatCount(v) : String(v);
  if (kind === 'decimal') return String(v).replace('.', ',');
  if (typeof v === 'string' && LOCAL_TIME.test(v)) return formatLocalDateTime(v);
  return String(v);
}

/** Sort order of two cells of a column: numbers as numbers (decimals arrive as text), the rest as Russian text. */
export function compareCells(kind: string, a: Cell, b: Cell): number {
  if (kind === 'money' || kind === 'int' || kind === 'decimal') {
    const x = a === null || a === undefined || a === '' ? -Infinity : Number(a);
    const y = b === null || b === undefined || b === '' ? -Infinity : Number(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  return String(a ?? '').localeCompare(String(b ?? ''), 'ru');
}
