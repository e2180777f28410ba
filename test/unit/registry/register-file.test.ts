// The register import file: cells as Excel keeps them (text, exact and inexact numbers, rich text, formulas), and each
// error with its row and column.
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { parseRegisterFile, registerFileTemplate, RegisterFileUnreadable } from '../../../src/registry/register-file.js';

async function file(rows: ExcelJS.CellValue[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Кассы');
  ws.addRow(['Заводской номер ККТ', 'Номер ФН', 'Код партнёра']);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('parseRegisterFile', () => {
  it('reads text, exact numbers, rich text and formula results; skips empty rows', async () => {
    const parsed = await parseRegisterFile(
      await file([
        ['00123456789', '9999078900000001', null],
        [123456789, '9999078900000002', 'AB-1'],
        [{ richText: [{ text: '5551' }, { text: '234' }] }, { formula: '"99990789"&"00000003"', result: '9999078900000003' }, null],
        [null, null, null],
        [' 777777777 ', ' 9999078900000004 ', ''],
      ]),
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.total).toBe(4);
    expect(parsed.valid.map((r) => [r.row, r.serialNumber, r.fn, r.partnerCode])).toEqual([
      [2, '00123456789', '9999078900000001', null],
      [3, '123456789', '9999078900000002', 'AB-1'],
      [4, '5551234', '9999078900000003', null],
      [6, '777777777', '9999078900000004', null],
    ]);
  });

  it('names the row and column of every error, a row with several errors once in the count', async () => {
    const parsed = await parseRegisterFile(
      await file([
        ['123', '9999078900000001', null],
        ['100000001', Number('9999078900000002'), null],
        ['100000002', '9999078900000003', 'bad code'],
        ['100000002', '9999078900000003', null],
        [null, '99990789', null],
      ]),
    );
    expect(parsed.errors.map((e) => `${e.row}${e.column}`)).toEqual(['2A', '3B', '4C', '5A', '5B', '6A', '6B']);
    expect(parsed.invalidRows).toBe(5);
    expect(parsed.valid).toEqual([]);
    expect(parsed.errors.find((e) => e.row === 5 && e.column === 'A')!.message).toContain('строка 4');
  });

  it('reads its own template (the example row is valid)', async () => {
    const parsed = await parseRegisterFile(await registerFileTemplate());
    expect(parsed).toMatchObject({ total: 1, errors: [], valid: [{ row: 2, serialNumber: '0001234567890123', fn: '9999078900001234' }] });
  });

  it('refuses what is not an xlsx file', async () => {
    await expect(parseRegisterFile(Buffer.from('a;b\n1;2\n'))).rejects.toBeInstanceOf(RegisterFileUnreadable);
  });
});
