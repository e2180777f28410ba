/**
 * Report exports: xlsx through exceljs's streaming WorkbookWriter and CSV through csv-stringify, both written row by row
 * into a stream as the rows arrive, so memory stays flat however many rows there are.
 *
 * Money arrives as integer kopecks. CSV prints it as rubles with two decimals by integer arithmetic (no float on the
 * way). xlsx stores a number of rubles (kopecks / 100: one correctly-rounded division per cell, never accumulated) with
 * the format `#,##0.00`; the totals row is summed in kopecks first and divided once.
 */
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import { addToTotals, type ReportColumn, type ReportResult, type ReportRow } from './reports.js';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** 12345 → "123.45", -5 → "-0.05": exact, from the integer. */
export function kopecksToRubles(kopecks: number | bigint): string {
  const k = BigInt(kopecks);
  const neg = k < 0n;
  const abs = neg ? -k : k;
  return `${neg ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
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
  if (c.kind === 'money' && typeof v === 'number') return kopecksToRubles(v);
  return typeof v === 'number' || typeof v === 'bigint' ? String(v) : neutralizeFormula(String(v));
}

function xlsxCell(c: ReportColumn, v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (c.kind === 'money' && typeof v === 'number') return v / 100;
  if (c.kind === 'int' && typeof v === 'number') return v;
  if (c.kind === 'decimal' && typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) return Number(v);
  return typeof v === 'number' ? v : neutralizeFormula(String(v));
}

const TOTAL_LABEL = 'Итого';

function totalsRow(columns: readonly ReportColumn[], totals: Record<string, number>): ReportRow {
  const row: ReportRow = {};
  columns.forEach((c, i) => {
    row[c.key] = c.total ? (totals[c.key] ?? 0) : i === 0 ? TOTAL_LABEL : null;
  });
  return row;
}

/** The report as CSV (UTF-8 with a BOM, `;`-separated, a header line and a totals line), streamed. */
export function reportToCsv(report: ReportResult): Readable {
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
        addToTotals(totals, columns, row);
        await write(columns.map((c) => csvCell(c, row[c.key])));
      }
      const t = totalsRow(columns, totals);
      await write(columns.map((c) => csvCell(c, t[c.key])));
      csv.end();
    } catch (e) {
      csv.destroy(e as Error);
    }
  })();
  return csv;
}

/** The report as xlsx (one sheet, Russian headers, frozen header row, rubles with two decimals, a totals row), streamed. */
export function reportToXlsx(report: ReportResult): Readable {
  const out = new PassThrough();
  const { columns } = report;
  void (async () => {
    try {
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
      const ws = wb.addWorksheet('Отчёт', { views: [{ state: 'frozen', ySplit: 1 }] });
      ws.columns = columns.map((c) => ({
        header: c.title,
        key: c.key,
        width: Math.max(12, Math.min(40, c.title.length + 4)),
        style: c.kind === 'money' ? { numFmt: '#,##0.00' } : c.kind === 'decimal' ? { numFmt: '0.00' } : {},
      }));
      ws.getRow(1).font = { bold: true };
      ws.getRow(1).commit();
      const totals: Record<string, number> = {};
      let n = 0;
      for await (const row of report.rows) {
        addToTotals(totals, columns, row);
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
      last.commit();
      await ws.commit();
      await wb.commit();
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return out;
}
