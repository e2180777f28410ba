// The exporters on long synthetic reports: every row arrives, the totals row is exact, and the output parses back.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { reportToCsv, reportToXlsx } from '../../../src/reports/export.js';
import type { ReportResult } from '../../../src/reports/reports.js';

function synthetic(n: number): ReportResult {
  return {
    name: 'shifts',
    columns: [
      { key: 'name', title: 'Товар', kind: 'text' },
      { key: 'sum', title: 'Сумма, ₽', kind: 'money', total: true },
      { key: 'count', title: 'Чеков', kind: 'int', total: true },
    ],
    rows: (async function* () {
      for (let i = 0; i < n; i++) yield { name: `Товар ${i}`, sum: i * 101 + 1, count: 1 };
    })(),
  };
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

describe('report exports at length', () => {
  it('CSV: 100 000 rows, BOM, exact totals', async () => {
    const n = 100_000;
    const buf = await collect(reportToCsv(synthetic(n)));
    expect(buf.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = buf.subarray(3).toString('utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(n + 2);
    expect(lines[0]).toBe('Товар;Сумма, ₽;Чеков');
    expect(lines[1]).toBe('Товар 0;0,01;1');
    expect(lines[2]).toBe('Товар 1;1,02;1');
    // Σ (101 i + 1) for i < n, in kopecks, printed without float.
    const total = (101 * (n - 1) * n) / 2 + n;
    expect(lines.at(-1)).toBe(`Итого;${Math.floor(total / 100)},${String(total % 100).padStart(2, '0')};${n}`);
  });

  it('xlsx: 20 000 rows parse back with exceljs, header frozen, totals row', async () => {
    const n = 20_000;
    const buf = await collect(reportToXlsx(synthetic(n)));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.rowCount).toBe(n + 2);
    expect(ws.getRow(1).getCell(2).value).toBe('Сумма, ₽');
    expect(ws.getRow(n + 1).getCell(2).value).toBe(((n - 1) * 101 + 1) / 100);
    const total = (101 * (n - 1) * n) / 2 + n;
    expect(ws.getRow(n + 2).getCell(1).value).toBe('Итого');
    expect(ws.getRow(n + 2).getCell(2).value).toBe(total / 100);
    expect(ws.getRow(n + 2).getCell(3).value).toBe(n);
  });
});
