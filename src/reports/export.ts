/**
 * Report exports: xlsx through exceljs's streaming WorkbookWriter and CSV through csv-stringify, both written row by row
 * into a stream as the rows arrive, so memory stays flat however many rows there are (the receipt exports use them too).
 *
 * Money arrives as integer kopecks. CSV prints it as rubles with two decimals by integer arithmetic (no float on the
 * way), with a decimal COMMA: the file is `;`-separated for Russian-locale Excel, which reads "123.45" as text or a date.
 * xlsx stores a number of rubles (kopecks / 100: one correctly-rounded division per cell, never accumulated) with the
 * format `#,##0.00`; the totals row is summed in kopecks first (net, by the report's sign) and divided once.
 */
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import { addToTotals, type ReportColumn, type ReportResult, type ReportRow } from './report-query.js';

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

const NUM_FMT: Partial<Record<ReportColumn['kind'], string>> = { money: '#,##0.00', int: '0', decimal: '0.00' };
const THIN = { style: 'thin' as const };

/** The report as xlsx (one sheet: bold wrapped headers with a filter, rubles as numbers, a bold totals row), streamed. */
export function reportToXlsx(report: ExportTable): Readable {
  const out = new PassThrough();
  const { columns } = report;
  void (async () => {
    try {
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
      const ws = wb.addWorksheet((report.sheet ?? 'Отчёт').slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
      ws.columns = columns.map((c) => {
        const numFmt = NUM_FMT[c.kind];
        return { header: c.title, key: c.key, width: columnWidth(c), style: numFmt ? { numFmt } : {} };
      });
      const header = ws.getRow(1);
      header.font = { bold: true };
      header.alignment = { vertical: 'middle', wrapText: true };
      header.eachCell((cell) => {
        cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
        cell.border = { bottom: THIN };
      });
      header.commit();
      const totals: Record<string, number> = {};
      let n = 0;
      for await (const row of report.rows) {
        addToTotals(totals, report, row);
        ws.addRow(columns.map((c) => xlsxCell(c, row[c.key]))).commit();
        // Back-pressure: let a slow reader drain what is already zipped.
        if (++n % 500 === 0) {
          while (out.readableLength > out.readableHighWaterMark * 16 && !out.destroyed) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }
      }
      const t = totalsRow(columns, totals);
      const last = ws.addRow(columns.map((c) => xlsxCell(c, t[c.key])));
      last.font = { bold: true };
      last.eachCell({ includeEmpty: true }, (cell) => (cell.border = { top: THIN }));
      last.commit();
      for (const w of report.warnings?.() ?? []) {
        const note = ws.addRow([w]);
        note.font = { italic: true, color: { argb: 'FFB00020' } };
        note.commit();
      }
      await ws.commit();
      await wb.commit();
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return out;
}
