// The report bugs of issue 15, each with a test that would have caught it, on receipts stored by the real persist
// processor. Expected values are hand-computed constants (the issue's own example), not the code's arithmetic:
//   - payment-types «Итого» is net: 185 559,33 ₽ sales and 1 433,28 ₽ returns make 184 126,05 ₽, not 186 992,61 ₽;
//   - csv uses a decimal comma (`;`-separated for Russian-locale Excel, which misreads "185559.33");
//   - ABC/XYZ over one week says the period is too short for XYZ instead of marking everything X;
//   - the xlsx of every report opens in LibreOffice (headless conversion to PDF succeeds) and shows the figures.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { LOCAL_TIME } from '../../support/kkt.js';
import { asOperator, createOrganization, job, persist, receipt, startApi, type ApiHarness } from '../api/api-test-helpers.js';

const run = promisify(execFile);
const INN = withInnCheckDigits('770300992');
const FN = '9999078900016001';
const REG = '0000000016001001';
/** Tuesday 2024-09-17: one ISO week. */
const WEEK = 'from=2024-09-16&to=2024-09-22';

let h: ApiHarness;
let orgId: number;

beforeAll(async () => {
  h = await startApi();
  orgId = await createOrganization(h, INN, 'ООО Итого');
  const base = { fn: FN, inn: INN, regId: REG };
  await persist(h.database, [
    job(FN, 1, 3, receipt({ ...base, fd: 1, operationType: 1, price: 18_000_000, itemName: 'Coffee machine' })),
    job(FN, 2, 3, receipt({ ...base, fd: 2, operationType: 1, price: 555_933, itemName: 'Coffee', time: LOCAL_TIME + 60 })),
    job(FN, 3, 3, receipt({ ...base, fd: 3, operationType: 2, price: 143_328, itemName: 'Coffee', time: LOCAL_TIME + 120 })),
  ]);
}, 60_000);
afterAll(() => h?.close());

async function download(name: string, format: 'csv' | 'xlsx', query = `organizationId=${orgId}&${WEEK}`): Promise<Buffer> {
  const r = await h.app.inject({ method: 'GET', url: `/api/v1/reports/${name}?${query}&format=${format}`, headers: asOperator });
  expect(r.statusCode, r.body.slice(0, 200)).toBe(200);
  return r.rawPayload;
}
const csvLines = (b: Buffer) =>
  b
    .subarray(3)
    .toString('utf8')
    .trimEnd()
    .split('\r\n')
    .map((l) => l.split(';'));

describe('payment-types «Итого» is net', () => {
  it('JSON totals: 185 559,33 − 1 433,28 = 184 126,05 ₽', async () => {
    const r = await h.app.inject({ method: 'GET', url: `/api/v1/reports/payment-types?organizationId=${orgId}&${WEEK}`, headers: asOperator });
    const body = r.json<{ totals: Record<string, number>; items: Array<Record<string, unknown>> }>();
    expect(body.items.map((i) => [i.operation, i.totalSum])).toEqual([
      ['Приход', 18_555_933],
      ['Возврат прихода', 143_328],
    ]);
    expect(body.totals.totalSum).toBe(18_412_605);
    expect(body.totals.cash).toBe(18_412_605);
    expect(body.totals.receipts).toBe(3);
  });

  it('csv: `;`, decimal comma, the net total', async () => {
    const lines = csvLines(await download('payment-types', 'csv'));
    const col = lines[0]!.indexOf('Итого, ₽');
    expect(lines.slice(1).map((l) => l[col])).toEqual(['185559,33', '1433,28', '184126,05']);
    expect(lines.at(-1)![0]).toBe('Итого');
  });

  it('xlsx: the totals row holds the net number of rubles', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await download('payment-types', 'xlsx')) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    const col = header.indexOf('Итого, ₽') + 1;
    expect(ws.getRow(4).getCell(1).value).toBe('Итого');
    expect(ws.getRow(4).getCell(col).value).toBe(184126.05);
    expect(ws.getRow(4).getCell(col).numFmt).toBe('#,##0.00');
    expect(ws.getRow(4).font?.bold).toBe(true);
    expect(ws.getColumn(col).width).toBeGreaterThanOrEqual(14);
  });
});

describe('ABC/XYZ over one week', () => {
  it('says the period is too short for XYZ (JSON, csv, xlsx) and marks nothing X', async () => {
    const r = await h.app.inject({ method: 'GET', url: `/api/v1/reports/abc-xyz?organizationId=${orgId}&${WEEK}`, headers: asOperator });
    const body = r.json<{ items: Array<Record<string, unknown>>; extra: Record<string, unknown>; warnings: string[] }>();
    expect(body.items.length).toBe(2);
    expect(body.items.every((i) => i.xyz === null)).toBe(true);
    expect(body.extra).toMatchObject({ weeks: 1, xyzJudged: false });
    expect(body.warnings).toHaveLength(1);
    expect(body.warnings[0]).toContain('Период слишком короткий для XYZ');
    const csv = csvLines(await download('abc-xyz', 'csv'));
    expect(csv.at(-1)![0]).toContain('Период слишком короткий для XYZ');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await download('abc-xyz', 'xlsx')) as unknown as ArrayBuffer);
    const texts = wb.worksheets[0]!.getColumn(1).values.map(String);
    expect(texts.some((t) => t.includes('Период слишком короткий для XYZ'))).toBe(true);
  });
});

describe('xlsx opens in LibreOffice', () => {
  it('every report converts headless to PDF, and the PDF shows the headers and the net total', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ofd-xlsx-'));
    try {
      const names = ['z-report', 'shifts', 'payment-types', 'tax-systems', 'vat', 'outlets', 'hours', 'abc-xyz', 'fn-schedule', 'unsent'];
      for (const n of names) await writeFile(join(dir, `${n}.xlsx`), await download(n, 'xlsx'));
      // A profile of its own: concurrent soffice runs on a shared machine must not share (and lock) one.
      await run(
        'soffice',
        [`-env:UserInstallation=file://${dir}/profile`, '--headless', '--convert-to', 'pdf', '--outdir', dir, ...names.map((n) => join(dir, `${n}.xlsx`))],
        { timeout: 150_000 },
      );
      const pdfs = (await readdir(dir)).filter((f) => f.endsWith('.pdf')).sort();
      expect(pdfs).toEqual(names.map((n) => `${n}.pdf`).sort());
      const { stdout } = await run('pdftotext', ['-layout', join(dir, 'payment-types.pdf'), '-']);
      expect(stdout).toContain('Итого');
      expect(stdout).toContain('Наличными');
      // The money is a number with two decimals, grouped as the locale prints it (en-US in a bare profile).
      expect(stdout).toMatch(/184[ ,.\u00a0]?126[.,]05/);
      expect(stdout).toMatch(/185[ ,.\u00a0]?559[.,]33/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
