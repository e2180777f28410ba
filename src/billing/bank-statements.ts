/**
 * Bank statements the operator imports (issue 17), pure: the 1C exchange format (`1CClientBankExchange`, the text
 * every Russian bank exports, usually in Windows-1251) and a CSV (`date;number;amount;payerInn;payerName;purpose`
 * with a header line). Only incoming payments to the operator's account are kept.
 */
import { CodedError } from '../domain/errors.js';
import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';

export interface StatementLine {
  /** `YYYY-MM-DD` or null when the bank did not say. */
  readonly paidOn: string | null;
  readonly documentNumber: string;
  /** Kopecks. */
  readonly amount: number;
  readonly payerInn: string | null;
  readonly payerName: string | null;
  readonly purpose: string;
  /** Identity of the bank document: a statement imported twice yields the same keys. */
  readonly key: string;
}

export class StatementError extends CodedError<'BAD_STATEMENT'> {
  override readonly name = 'StatementError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super('BAD_STATEMENT', message);
  }
}

/** "1500.00", "1500,5", "1 500" → kopecks; undefined when not an amount. */
export function parseRubles(s: string): number | undefined {
  const m = /^(\d+)(?:[.,](\d{1,2}))?$/.exec(s.replace(/[\s\u00a0]/g, ''));
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** "05.12.2026" or "2026-12-05" → "2026-12-05". */
function parseDay(s: string): string | null {
  const ru = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(s.trim());
  if (ru) return `${ru[3]}-${ru[2]}-${ru[1]}`;
  return /^\d{4}-\d{2}-\d{2}$/.test(s.trim()) ? s.trim() : null;
}

function keyOf(l: Omit<StatementLine, 'key'>): string {
  return createHash('sha256').update(JSON.stringify([l.paidOn, l.documentNumber, l.amount, l.payerInn])).digest('hex').slice(0, 32);
}

/** The bytes as text: UTF-8 when they are valid UTF-8, else Windows-1251 (what 1C and the banks write). */
export function decodeStatement(bytes: Buffer): string {
  const utf8 = bytes.toString('utf8');
  return utf8.includes('\ufffd') ? iconv.decode(bytes, 'win1251') : utf8.replace(/^\ufeff/, '');
}

export function parse1C(text: string, operatorAccount: string): StatementLine[] {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== '1CClientBankExchange') throw new StatementError('not a 1CClientBankExchange file', 1);
  const out: StatementLine[] = [];
  let doc: Record<string, string> | undefined;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('СекцияДокумент')) doc = {};
    else if (line === 'КонецДокумента') {
      if (!doc) throw new StatementError('КонецДокумента without СекцияДокумент', i + 1);
      const amount = parseRubles(doc['Сумма'] ?? '');
      if (amount === undefined || amount <= 0) throw new StatementError(`bad Сумма: ${doc['Сумма'] ?? ''}`, i + 1);
      // Incoming only: what was paid into the operator's account.
      if ((doc['ПолучательСчет'] ?? doc['ПолучательРасчСчет']) === operatorAccount) {
        const l = {
          paidOn: parseDay(doc['ДатаПоступило'] ?? doc['Дата'] ?? ''),
          documentNumber: doc['Номер'] ?? '',
          amount,
          payerInn: doc['ПлательщикИНН'] || null,
          payerName: doc['Плательщик1'] ?? doc['Плательщик'] ?? null,
          purpose: doc['НазначениеПлатежа'] ?? '',
        };
        out.push({ ...l, key: keyOf(l) });
      }
      doc = undefined;
    } else if (doc && line.includes('=')) {
      const at = line.indexOf('=');
      doc[line.slice(0, at)] = line.slice(at + 1);
    }
  });
  return out;
}

function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '"' && line[i + 1] === '"') {
      cur += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) {
      cells.push(cur);
      cur = '';
    } else cur += c;
  }
  cells.push(cur);
  return cells.map((x) => x.trim());
}

export function parseCsv(text: string): StatementLine[] {
  const rows = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return rows.slice(1).map((row, i) => {
    const [date = '', number = '', sum = '', inn = '', name = '', ...purpose] = csvCells(row);
    const amount = parseRubles(sum);
    if (amount === undefined || amount <= 0) throw new StatementError(`bad amount: ${sum}`, i + 2);
    const l = { paidOn: parseDay(date), documentNumber: number, amount, payerInn: inn || null, payerName: name || null, purpose: purpose.join(';') };
    return { ...l, key: keyOf(l) };
  });
}

/** The invoice number a payer wrote in the purpose (`OFD-2026-000123`), if any. */
export function invoiceNumberIn(purpose: string): string | undefined {
  return /OFD-\d{4}-\d{6}/i.exec(purpose)?.[0].toUpperCase();
}
