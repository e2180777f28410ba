// Registers before their РНМ (issue 16) against a real PostgreSQL: added by serial and FN (several at once), imported
// from xlsx (the template; 10 000 rows with errors sprinkled in: every error with its row and column, nothing imported
// until asked for the valid rows), and matched to their registration report by the real persist processor — a serial
// claimed by two organizations flagged, never merged.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { bearer, job, persist, receipt, startApi, userToken, type ApiHarness } from './api-test-helpers.js';
import { organizationBody, registrationJob, uploadRegisters, xlsxOf } from './onboarding-fixture.js';

let h: ApiHarness;
let a: { token: string; orgId: number; inn: string };
let b: { token: string; orgId: number; inn: string };

async function customer(email: string, innBody: string) {
  const u = await userToken(h, email);
  const body = organizationBody(innBody);
  const r = await h.app.inject({ method: 'POST', url: '/api/v1/organizations/register', headers: bearer(u.token), payload: body });
  return { token: u.token, orgId: r.json<{ id: number }>().id, inn: body.inn as string };
}

beforeAll(async () => {
  h = await startApi();
  a = await customer('prep-a@example.test', '770500001');
  b = await customer('prep-b@example.test', '770500002');
});
afterAll(() => h.close());

interface Prepared {
  id: number;
  serialNumber: string;
  fn: string;
  lifecycle: string;
  conflict: string | null;
  register: { registrationNumber: string; kktVersion: string | null } | null;
}

const add = (token: string, organizationId: number, registers: Array<Record<string, unknown>>, outletId?: number) =>
  h.app.inject({ method: 'POST', url: '/api/v1/prepared-registers', headers: bearer(token), payload: { organizationId, registers, ...(outletId ? { outletId } : {}) } });

async function preparedOf(token: string, organizationId: number, serialNumber?: string): Promise<Prepared[]> {
  const filter = serialNumber === undefined ? '' : `&serialNumber=${serialNumber}`;
  const r = await h.app.inject({ method: 'GET', url: `/api/v1/prepared-registers?organizationId=${organizationId}&limit=500${filter}`, headers: bearer(token) });
  return r.json<{ items: Prepared[] }>().items;
}

async function count(organizationId: number): Promise<number> {
  const r = await h.database.db.selectFrom('prepared_registers').select((eb) => eb.fn.countAll<string>().as('n')).where('organization_id', '=', organizationId).executeTakeFirstOrThrow();
  return Number(r.n);
}

describe('adding registers by serial and FN', () => {
  it('adds several at once, skips serials the organization has, and names the field of each mistake', async () => {
    const r = await add(a.token, a.orgId, [
      { serialNumber: '100000000001', fn: '9999078910000001' },
      { serialNumber: '100000000002', fn: '9999078910000002', partnerCode: 'PARTNER-7' },
    ]);
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json<{ added: Prepared[] }>().added.map((p) => [p.serialNumber, p.lifecycle])).toEqual([
      ['100000000001', 'added'],
      ['100000000002', 'added'],
    ]);
    const again = await add(a.token, a.orgId, [{ serialNumber: '100000000001', fn: '9999078910000001' }]);
    expect(again.json()).toEqual({ added: [], existing: ['100000000001'] });

    const bad = await add(a.token, a.orgId, [
      { serialNumber: '12ab', fn: '9999078910000003' },
      { serialNumber: '100000000004', fn: '99990789' },
      { serialNumber: '100000000005', fn: '9999078910000005', partnerCode: 'bad code!' },
      { serialNumber: '100000000005', fn: '9999078910000006' },
    ]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ details: Array<{ path: string }> }>().details.map((d) => d.path)).toEqual([
      'body.registers.0.serialNumber',
      'body.registers.1.fn',
      'body.registers.2.partnerCode',
      'body.registers.3.serialNumber',
    ]);
    const dup = await add(a.token, a.orgId, [
      { serialNumber: '100000000005', fn: '9999078910000005' },
      { serialNumber: '100000000005', fn: '9999078910000006' },
    ]);
    expect(dup.json<{ details: Array<{ path: string }> }>().details.map((d) => d.path)).toEqual(['body.registers.1.serialNumber']);
    expect(await count(a.orgId)).toBe(2);
  });

  it('moves a register to "awaiting registration"', async () => {
    const [first] = await preparedOf(a.token, a.orgId);
    const r = await h.app.inject({ method: 'PATCH', url: `/api/v1/prepared-registers/${first!.id}`, headers: bearer(a.token), payload: { stage: 'awaiting_registration' } });
    expect(r.json()).toMatchObject({ lifecycle: 'awaiting_registration', lifecycleTitle: 'Ожидает регистрации в ФНС' });
  });
});

describe('the xlsx import', () => {
  it('offers a template with the columns as text', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/prepared-registers/import-template', headers: bearer(a.token) });
    expect(r.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('Кассы')!;
    expect([1, 2, 3].map((i) => ws.getRow(1).getCell(i).value)).toEqual(['Заводской номер ККТ', 'Номер ФН', 'Код партнёра (необязательно)']);
    expect(ws.getRow(2).getCell(2).value).toBe('9999078900001234');
  });

  it('10 000 rows with errors sprinkled in: every error by row and column, nothing imported; then the valid rows on request', async () => {
    const rows: Array<Array<string | number | null>> = [];
    const planted: Array<[number, string]> = [];
    for (let i = 0; i < 10_000; i++) {
      const sheetRow = i + 2;
      let serial: string | number | null = String(200_000_000_000 + i);
      let fn: string | number | null = `99990789${20_000_000 + i}`;
      let partner: string | null = i % 5 === 0 ? `P${i}` : null;
      if (i % 997 === 13) {
        fn = fn.slice(0, 15);
        planted.push([sheetRow, 'B']);
      } else if (i % 1499 === 7) {
        serial = String(200_000_000_000 + i - 1);
        planted.push([sheetRow, 'A']);
      } else if (i === 4321) {
        fn = Number('9999078920004321'); // typed into Excel as a number: beyond 2^53, not exact
        planted.push([sheetRow, 'B']);
      } else if (i === 6000) {
        serial = null;
        partner = 'bad partner!';
        planted.push([sheetRow, 'A'], [sheetRow, 'C']);
      }
      rows.push([serial, fn, partner]);
    }
    const file = await xlsxOf(rows);
    const refused = await uploadRegisters(h, b.token, b.orgId, file, '?fileName=kassy.xlsx');
    expect(refused.statusCode, refused.body.slice(0, 300)).toBe(422);
    const body = refused.json<{ code: string; details: Array<{ path: string; issue: string }> }>();
    expect(body.code).toBe('IMPORT_INVALID');
    expect(body.details.map((d) => d.path).sort()).toEqual(planted.map(([row, col]) => `file.rows.${row}.${col}`).sort());
    expect(await count(b.orgId)).toBe(0);

    const invalidRows = new Set(planted.map(([row]) => row)).size;
    const partial = await uploadRegisters(h, b.token, b.orgId, file, '?mode=valid_rows&fileName=kassy.xlsx');
    expect(partial.statusCode, partial.body.slice(0, 300)).toBe(201);
    const report = partial.json<{ id: number; rowsTotal: number; rowsInvalid: number; rowsImported: number; rowsExisting: number; errors: Array<{ row: number; column: string; message: string }> }>();
    expect(report).toMatchObject({ rowsTotal: 10_000, rowsInvalid: invalidRows, rowsImported: 10_000 - invalidRows, rowsExisting: 0 });
    expect(report.errors.find((e) => e.row === 4323)).toMatchObject({ column: 'B', message: expect.stringContaining('как текст') });
    expect(await count(b.orgId)).toBe(10_000 - invalidRows);

    const stored = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${b.orgId}/register-imports/${report.id}`, headers: bearer(b.token) });
    expect(stored.json()).toMatchObject({ fileName: 'kassy.xlsx', mode: 'valid_rows', rowsImported: 10_000 - invalidRows });
    const list = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${b.orgId}/register-imports`, headers: bearer(b.token) });
    expect(list.json<{ items: Array<{ mode: string }> }>().items.map((i) => i.mode)).toEqual(['valid_rows', 'all_or_nothing']);
  }, 120_000);

  it('refuses what is not an xlsx file with a 400 or 415, writing nothing', async () => {
    const notXlsx = await uploadRegisters(h, a.token, a.orgId, Buffer.from('serial;fn\n1;2\n'));
    expect(notXlsx.statusCode).toBe(400);
    const json = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${a.orgId}/register-imports`, headers: bearer(a.token), payload: { rows: [] } });
    expect(json.statusCode).toBe(415);
  });
});

describe('the registration report', () => {
  it('fills in the prepared register (РНМ, model) and it turns connected', async () => {
    await add(a.token, a.orgId, [{ serialNumber: '300000000001', fn: '9999078930000001' }]);
    await persist(h.database, [registrationJob({ fn: '9999078930000001', inn: a.inn, regId: '0000000030000001', serial: '300000000001', kktVersion: '4.1.2' })]);
    const p = (await preparedOf(a.token, a.orgId, '300000000001'))[0]!;
    expect(p).toMatchObject({ lifecycle: 'connected', conflict: null, register: { registrationNumber: '0000000030000001', kktVersion: '4.1.2' } });
    // Re-sent, it changes nothing.
    await persist(h.database, [registrationJob({ fn: '9999078930000001', inn: a.inn, regId: '0000000030000001', serial: '300000000001', kktVersion: '4.1.2' })]);
    expect((await preparedOf(a.token, a.orgId, '300000000001'))[0]).toEqual(p);
  });

  it('a serial prepared by two organizations is flagged; the report links only the one whose INN it carries', async () => {
    await add(a.token, a.orgId, [{ serialNumber: '300000000002', fn: '9999078930000002' }]);
    await add(b.token, b.orgId, [{ serialNumber: '300000000002', fn: '9999078930000002' }]);
    const flagged = (await preparedOf(b.token, b.orgId, '300000000002'))[0]!;
    expect(flagged).toMatchObject({ conflict: 'serial_claimed_elsewhere', lifecycle: 'added' });
    await persist(h.database, [registrationJob({ fn: '9999078930000002', inn: a.inn, regId: '0000000030000002', serial: '300000000002' })]);
    const mine = (await preparedOf(a.token, a.orgId, '300000000002'))[0]!;
    const theirs = (await preparedOf(b.token, b.orgId, '300000000002'))[0]!;
    expect(mine).toMatchObject({ lifecycle: 'connected', conflict: 'serial_claimed_elsewhere', register: { registrationNumber: '0000000030000002' } });
    expect(theirs).toMatchObject({ lifecycle: 'added', conflict: 'serial_claimed_elsewhere', register: null });
    // B never sees A's register through its prepared one.
    const docs = await h.app.inject({ method: 'GET', url: '/api/v1/documents?fn=9999078930000002', headers: bearer(b.token) });
    expect(docs.json<{ items: unknown[] }>().items).toEqual([]);
  });

  it('a report of another INN or another FN is flagged, not merged', async () => {
    await add(b.token, b.orgId, [
      { serialNumber: '300000000003', fn: '9999078930000003' },
      { serialNumber: '300000000004', fn: '9999078930000004' },
    ]);
    const stranger = withInnCheckDigits('770500009');
    await persist(h.database, [
      registrationJob({ fn: '9999078930000003', inn: stranger, regId: '0000000030000003', serial: '300000000003' }),
      registrationJob({ fn: '9999078930000099', inn: b.inn, regId: '0000000030000004', serial: '300000000004' }),
    ]);
    expect((await preparedOf(b.token, b.orgId, '300000000003'))[0]).toMatchObject({ conflict: 'inn_mismatch', register: null, lifecycle: 'added' });
    expect((await preparedOf(b.token, b.orgId, '300000000004'))[0]).toMatchObject({ conflict: 'fn_mismatch', register: null, lifecycle: 'added' });
  });

  it('a register registered before it was prepared is linked when added', async () => {
    await persist(h.database, [
      registrationJob({ fn: '9999078930000005', inn: a.inn, regId: '0000000030000005', serial: '300000000005' }),
      job('9999078930000005', 2, 3, receipt({ fn: '9999078930000005', fd: 2, inn: a.inn, regId: '0000000030000005' })),
    ]);
    const r = await add(a.token, a.orgId, [{ serialNumber: '300000000005', fn: '9999078930000005' }]);
    expect(r.json<{ added: Prepared[] }>().added[0]).toMatchObject({ lifecycle: 'connected', register: { registrationNumber: '0000000030000005' } });
  });
});
