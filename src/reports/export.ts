/**
 * Report exports: xlsx through the SpreadsheetML stream writer of xlsx-stream.ts and CSV through csv-stringify, both written row by row
 * into a stream as the rows arrive, so memory stays flat however many rows there are (the receipt exports use them too).
 *
 * Money arrives as integer kopecks. CSV prints it as rubles with two decimals by integer arithmetic (no float on the
 * way), with a decimal COMMA: the file is `;`-separated for Russian-locale Excel, which reads "123.45" as text or a date.
 * xlsx stores a number of rubles (kopecks / 100: one correctly-rounded division per cell, never accumulated) with the
 * format `#,##0.00`; the totals row is summed in kopecks first (net, by the report's sign) and divided once.
 */
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { addToTotals, type ReportColumn, type ReportResult, type ReportRow } from './report-query.js';
import { writeXlsx, type XlsxRow } from './xlsx-stream.js';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** What the exporters need of a report (a receipt list fits too). */
export type ExportTable = Pick<ReportResult, 'columns' | 'rows' | 'totalSign' | 'warnings'> & {
  /** Sheet name (≤ 31 characters). */
  readonly sheet?: string;
};

/** 12345 → "123.45", -5 → "-0.05": exact, from the integer. `mark` is the decimal separator. */
export function kopecksToRubles(kopecks: number | bigint, mark = '.'): string {
  const k = BigInt(kopecks);
  const neg = k < 0n;
  const abs = neg ? -k : k;
  return `${neg ? '-' : ''}${abs / 100n}${mark}${String(abs % 100n).padStart(2, '0')}`;
}

/**
 * Formula injection (issue 13, item 11): text from register data (item names, addresses, cashiers) that a spreadsheet
 * would run as a formula — starting with = + - @, or a tab or CR that some importers strip first — gets a leading
 * apostrophe, shown as text by Excel and LibreOffice. Plain numbers ("-12.50") stay numbers.
 */
export function neutralizeFormula(text: string): string {
  if (!/^[=+\-@\t\r]/.test(text) || /^[+-]?\d+(\.\d+)?$/.test(text)) return text;
  return `'${text}`;
}

function csvCell(c: ReportColumn, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (c.kind === 'money' && typeof v === 'number') return kopecksToRubles(v, ',');
  if (c.kind === 'decimal') return String(v).replace('.', ',');
  return typeof v === 'number' || typeof v === 'bigint' ? String(v) : neutralizeFormula(String(v));
}

function xlsxCell(c: ReportColumn, v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (c.kind === 'money' && typeof v === 'number') return v / 100;
  if (c.kind === 'int' && typeof v === 'number') return v;
  if (c.kind === 'int' && typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  if (c.kind === 'decimal' && typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) return Number(v);
  return typeof v === 'number' ? v : neutralizeFormula(String(v));
}

export const TOTAL_LABEL = 'Итого';

function totalsRow(columns: readonly ReportColumn[], totals: Record<string, number>): ReportRow {
  const row: ReportRow = {};
  columns.forEach((c, i) => {
    row[c.key] = c.total ? (totals[c.key] ?? 0) : i === 0 ? TOTAL_LABEL : null;
  });
  return row;
}

/** The report as CSV (UTF-8 with a BOM, `;`-separated, decimal comma, a header, a totals line, then warnings), streamed. */
export function reportToCsv(report: ExportTable): Readable {
  const { columns } = report;
  const csv = stringify({ bom: true, delimiter: ';', record_delimiter: '\r\n' });
  void (async () => {
    try {
      const totals: Record<string, number> = {};
      const write = async (cells: string[]) => {
        if (!csv.write(cells)) await once(csv, 'drain');
      };
      await write(columns.map((c) => c.title));
      for await (const row of report.rows) {
        addToTotals(totals, report, row);
        await write(columns.map((c) => csvCell(c, row[c.key])));
      }
      const t = totalsRow(columns, totals);
      await write(columns.map((c) => csvCell(c, t[c.key])));
      for (const w of report.warnings?.() ?? []) await write([w]);
      csv.end();
    } catch (e) {
      csv.destroy(e as Error);
    }
  })();
  return csv;
}

/** Column width in characters: the title's, within bounds that fit the kind's values (the stream cannot measure them). */
export function columnWidth(c: ReportColumn): number {
  const byKind = c.kind === 'money' ? 16 : c.kind === 'int' ? 10 : c.kind === 'decimal' ? 12 : /name|address|reason|place/i.test(c.key) ? 36 : 18;
  return Math.min(48, Math.max(byKind, c.title.length + 2));
}

/** The report as xlsx (one sheet: bold wrapped headers, a frozen header row and a filter, rubles as numbers, a bold totals row), streamed. */
export function reportToXlsx(report: ExportTable): Readable {
  const { columns } = report;
  async function* rows(): AsyncIterable<XlsxRow> {
    const totals: Record<string, number> = {};
    for await (const row of report.rows) {
      addToTotals(totals, report, row);
      yield { cells: columns.map((c) => xlsxCell(c, row[c.key])) };
    }
    const t = totalsRow(columns, totals);
    yield { cells: columns.map((c) => xlsxCell(c, t[c.key])), role: 'total' };
    for (const w of report.warnings?.() ?? []) yield { cells: [w], role: 'note' };
  }
  return writeXlsx({
    name: report.sheet ?? 'Отчёт',
    columns: columns.map((c) => ({ title: c.title, width: columnWidth(c), kind: c.kind })),
    rows: rows(),
  });
}
