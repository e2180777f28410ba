// Export writers benchmark (issue 15: xlsx of 100 000 receipts ≤ 5 s): the same synthetic receipt rows (the Чеки
// export's 15 columns, no database) written to xlsx by
//   - exceljs's streaming WorkbookWriter, configured as the exports used it until 2026-12 (styles, inline strings,
//     column formats, frozen header, styled header and totals rows) — the floor that writer puts under the export;
//   - the project's SpreadsheetML stream writer (src/reports/xlsx-stream.ts, via reportToXlsx) — what the exports use;
//   - csv (reportToCsv), for scale.
// Each writer once (they take seconds: the machine is shared, one run is what the figures are worth), the bytes counted
// and thrown away, with the peak RSS while it ran.
//
//   npm run bench:exports [-- --rows 100000]
import { PassThrough, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import { columnWidth, reportToCsv, reportToXlsx, type ExportTable } from '../src/reports/export.js';
import type { ReportColumn, ReportRow } from '../src/reports/report-query.js';
import { RECEIPT_COLUMNS } from '../src/exports/receipt-rows.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '100000' } } });
const N = Number(args.rows);

// The columns of the real receipt export, with its totals row.
const COLUMNS: ReportColumn[] = RECEIPT_COLUMNS(true);

function row(k: number): ReportRow {
  const total = 1000 + ((k * 7919) % 50_000);
  return {
    dateTime: `2024-09-${String(1 + (k % 30)).padStart(2, '0')}T${String(8 + (k % 12)).padStart(2, '0')}:15:00`,
    registrationNumber: '0000000018001001',
    fn: '9999078900018001',
    fd: k + 1,
    fiscalSign: 100_000 + k,
    shiftNumber: Math.floor(k / 1000) + 1,
    operationType: k % 10 === 9 ? 2 : 1,
    operation: k % 10 === 9 ? 'Возврат прихода' : 'Приход',
    totalSum: total,
    cash: k % 2 === 0 ? total : 0,
    card: k % 2 === 0 ? 0 : total,
    prepaid: 0,
    credit: 0,
    provision: 0,
    userInn: '7703009940',
    fnsStatus: 'accepted',
  };
}

async function* rows(): AsyncIterable<ReportRow> {
  for (let k = 0; k < N; k++) yield row(k);
}

const table = (): ExportTable => ({ columns: COLUMNS, rows: rows(), sheet: 'Чеки' });

/** exceljs's streaming writer as src/reports/export.ts used it (commit d2c842f). */
function exceljsWriter(t: ExportTable): Readable {
  const out = new PassThrough();
  const THIN = { style: 'thin' as const };
  const NUM_FMT: Partial<Record<ReportColumn['kind'], string>> = { money: '#,##0.00', int: '0', decimal: '0.00' };
  void (async () => {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    const ws = wb.addWorksheet('Чеки', { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = t.columns.map((c) => ({ header: c.title, key: c.key, width: columnWidth(c), style: NUM_FMT[c.kind] ? { numFmt: NUM_FMT[c.kind]! } : {} }));
    const header = ws.getRow(1);
    header.font = { bold: true };
    header.eachCell((cell) => (cell.border = { bottom: THIN }));
    header.commit();
    for await (const r of t.rows) ws.addRow(t.columns.map((c) => (c.kind === 'money' ? (r[c.key] as number) / 100 : r[c.key]))).commit();
    const last = ws.addRow(['Итого']);
    last.font = { bold: true };
    last.commit();
    await ws.commit();
    await wb.commit();
  })().catch((e: unknown) => out.destroy(e as Error));
  return out;
}

async function measure(label: string, make: () => Readable): Promise<void> {
  let bytes = 0;
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  await pipeline(
    make(),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        cb();
      },
    }),
  );
  const ms = performance.now() - t0;
  clearInterval(timer);
  console.log(
    `  ${label.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms  ${(N / (ms / 1000)).toFixed(0).padStart(8)} rows/s  ` +
      `${(bytes / 1e6).toFixed(1).padStart(6)} MB  peak RSS ${(peak / 1e6).toFixed(0)} MB`,
  );
}

console.log(`${N} receipt rows, 15 columns (node ${process.version}):`);
await measure('xlsx, exceljs streaming writer', () => exceljsWriter(table()));
await measure('xlsx, SpreadsheetML + yazl (used)', () => reportToXlsx(table()));
await measure('csv, csv-stringify (used)', () => reportToCsv(table()));
