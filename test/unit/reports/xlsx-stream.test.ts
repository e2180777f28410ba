// The SpreadsheetML stream writer on what register data can hold: markup characters, XML-illegal control characters
// and lone surrogates (removed, or the file would not open), a sheet name with characters Excel forbids; and the
// parts readers look at (frozen header, widths, formats, the bold totals row, the autofilter) — read back with exceljs.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { columnLetter, writeXlsx, type XlsxRow } from '../../../src/reports/xlsx-stream.js';

async function bytes(rows: XlsxRow[], name = 'Лист'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    writeXlsx({
      name,
      columns: [
        { title: 'Текст', width: 30, kind: 'text' },
        { title: 'Сумма, ₽', width: 16, kind: 'money' },
        { title: 'Чеков', width: 10, kind: 'int' },
      ],
      rows: (async function* () {
        yield* rows;
      })(),
    }),
    new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

describe('columnLetter', () => {
  it('A … Z, AA … ZZ, AAA', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(columnLetter)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA']);
  });
});

describe('writeXlsx', () => {
  it('keeps markup as text, drops what XML cannot carry, and formats header, numbers and totals', async () => {
    const buf = await bytes(
      [
        { cells: ['<b>Хлеб & "масло"</b>', 123.45, 2] },
        { cells: ['Звонок\u0007 и \u0000нуль\uD800', -0.05, null] },
        { cells: ['Итого', 123.4, 2], role: 'total' },
        { cells: ['Период слишком короткий'], role: 'note' },
      ],
      'Чеки: [март]/итог?',
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe('Чеки   март  итог ');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.getRow(1).getCell(2).value).toBe('Сумма, ₽');
    expect(ws.getRow(1).font?.bold ?? ws.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(ws.getColumn(1).width).toBe(30);
    expect(ws.getRow(2).getCell(1).value).toBe('<b>Хлеб & "масло"</b>');
    expect(ws.getRow(2).getCell(2).value).toBe(123.45);
    expect(ws.getRow(2).getCell(2).numFmt).toBe('#,##0.00');
    expect(ws.getRow(2).getCell(3).numFmt).toBe('0');
    expect(ws.getRow(3).getCell(1).value).toBe('Звонок и нуль');
    expect(ws.getRow(3).getCell(2).value).toBe(-0.05);
    expect(ws.getRow(4).font?.bold).toBe(true);
    expect(ws.getRow(4).getCell(2).numFmt).toBe('#,##0.00');
    expect(ws.getRow(5).getCell(1).font?.italic).toBe(true);
    expect(ws.autoFilter).toBe('A1:C3');
  });
});
