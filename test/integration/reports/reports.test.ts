// Reports against receipts stored by the real persist processor: every number is compared with a sum computed here from
// the inputs that were sent (fixture.sent), never with the report code's own arithmetic. Exports are parsed back.
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRollups, rebuildRollups } from '../../../src/db/rollups.repository.js';
import { ADMIN_TOKEN, apiKey, asOperator, bearer, createOrganization, startApi, type ApiHarness } from '../api/api-test-helpers.js';
import { buildFixture, store, type Fixture, type SentReceipt } from './reports-fixture.js';

let h: ApiHarness;
let fx: Fixture;
let org1Id: number;
let org2Id: number;
let key1: string;
/** The rollups as the persist path left them, before beforeAll rebuilds them. */
let persistedRollups: unknown[];
const RANGE = { from: '2024-09-01', to: '2024-10-01' };
const PERIOD = 'from=2024-09-02&to=2024-09-29';

beforeAll(async () => {
  h = await startApi();
  const { fixture, jobs } = buildFixture();
  org1Id = await createOrganization(h, fixture.orgs[0]!.inn, 'ООО Один');
  org2Id = await createOrganization(h, fixture.orgs[1]!.inn, 'ООО Два');
  const inserted = await store(h.database, jobs);
  // Re-sent copies are not inserted again (and so never reach applyRollups).
  expect(await store(h.database, jobs.slice(0, 10))).toEqual([]);
  fx = { ...fixture, inserted };
  persistedRollups = await rollupSnapshot('exact');
  await rebuildRollups(h.database.db, RANGE);
  key1 = (await apiKey(h, org1Id)).key;
}, 120_000);
afterAll(() => h?.close());

interface Report {
  report: string;
  columns: Array<{ key: string; title: string; kind: string; total?: boolean }>;
  items: Array<Record<string, string | number | null>>;
  totals: Record<string, number>;
  extra?: Record<string, unknown>;
}
async function get(url: string, token = ADMIN_TOKEN): Promise<Report> {
  const r = await h.app.inject({ method: 'GET', url, headers: bearer(token) });
  expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
  return r.json<Report>();
}
const of = (org: number) => fx.sent.filter((r) => r.org === org);
const sum = (rs: readonly SentReceipt[], f: (r: SentReceipt) => number) => rs.reduce((s, r) => s + f(r), 0);
/** Sign of an operation's money in a net total, written out here (not imported from the code under test). */
const NET: Record<number, number> = { 1: 1, 2: -1, 3: -1, 4: 1 };
const OP_NAMES: Record<number, string> = { 1: 'Приход', 2: 'Возврат прихода', 3: 'Расход', 4: 'Возврат расхода' };

/** `exact`: quantities as text, so their decimal scale is compared too. */
async function rollupSnapshot(quantity: 'float' | 'exact' = 'float'): Promise<unknown[]> {
  const db = h.database.db;
  const a = await sql`select * from report_rollup_hourly order by 1, 2, 3, 4, 5, 6`.execute(db);
  const b = await sql`select * from report_rollup_daily order by 1, 2, 3, 4, 5, 6`.execute(db);
  const q = quantity === 'exact' ? sql`quantity::text` : sql`quantity::float8`;
  const c = await sql`select day, organization_id, outlet_id, register_id, name, ${q} as q, sum from report_item_daily_named order by 1, 2, 3, 4, 5, 6, 7`.execute(db);
  return [a.rows, b.rows, c.rows];
}

describe('rollups', () => {
  it('the persist path (applyBatchRollups, fed from the batch it writes) gives exactly what rebuildRollups gives', async () => {
    expect(persistedRollups).toEqual(await rollupSnapshot('exact'));
    expect((persistedRollups[2] as unknown[]).length).toBeGreaterThan(0);
  });

  it('applyRollups over the inserted documents gives exactly what rebuildRollups gives', async () => {
    const rebuilt = await rollupSnapshot();
    const db = h.database.db;
    await sql`truncate report_rollup_hourly, report_rollup_daily, report_item_daily_ids`.execute(db);
    // As the persist path does: in batches, each in its transaction, only the newly inserted keys.
    for (let i = 0; i < fx.inserted.length; i += 37) {
      await db.transaction().execute((trx) => applyRollups(trx, fx.inserted.slice(i, i + 37)));
    }
    expect(await rollupSnapshot()).toEqual(rebuilt);
    expect((rebuilt[1] as unknown[]).length).toBeGreaterThan(0);
  });
});

describe('reports equal independent sums over the sent receipts', () => {
  it('payment-types, per day and operation type, for one organization', async () => {
    const r = await get(`/api/v1/reports/payment-types?organizationId=${org1Id}&${PERIOD}`);
    const expected = new Map<string, Record<string, number>>();
    for (const s of of(1)) {
      const k = `${s.local.slice(0, 10)}|${s.operationType}`;
      const e = expected.get(k) ?? { receipts: 0, totalSum: 0, cash: 0, card: 0, prepaid: 0, credit: 0, provision: 0 };
      e.receipts! += 1;
      e.totalSum! += s.total;
      e.cash! += s.cash;
      e.card! += s.ecash;
      e.prepaid! += s.prepaid;
      e.credit! += s.credit;
      e.provision! += s.provision;
      expected.set(k, e);
    }
    const got = new Map(
      r.items.map((i) => [
        `${i.day}|${i.operationType}`,
        { receipts: i.receipts, totalSum: i.totalSum, cash: i.cash, card: i.card, prepaid: i.prepaid, credit: i.credit, provision: i.provision },
      ]),
    );
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(expected));
    // «Итого» is net: money in (1, 4) minus money out (2, 3).
    expect(r.totals.totalSum).toBe(sum(of(1), (s) => NET[s.operationType]! * s.total));
    expect(r.totals.cash).toBe(sum(of(1), (s) => NET[s.operationType]! * s.cash));
    expect(r.totals.receipts).toBe(of(1).length);
  });

  it('tax-systems and vat', async () => {
    const t = await get(`/api/v1/reports/tax-systems?${PERIOD}`);
    for (const tax of [1, 2]) {
      for (const op of [1, 2, 3, 4]) {
        const rs = fx.sent.filter((s) => s.taxation === tax && s.operationType === op);
        const row = t.items.find((i) => i.taxationType === tax && i.operationType === op);
        if (rs.length === 0) expect(row).toBeUndefined();
        else expect(row).toMatchObject({ receipts: rs.length, totalSum: sum(rs, (s) => s.total) });
      }
    }
    const v = await get(`/api/v1/reports/vat?organizationId=${org2Id}`);
    for (const op of [1, 2, 3, 4]) {
      const rs = of(2).filter((s) => s.operationType === op);
      const row = v.items.find((i) => i.operationType === op);
      if (rs.length === 0) continue;
      expect(row).toEqual({
        operationType: op,
        operation: OP_NAMES[op],
        receipts: rs.length,
        totalSum: sum(rs, (s) => s.total),
        vat20: sum(rs, (s) => s.nds18),
        vat10: sum(rs, (s) => s.nds10),
        vat20_120: sum(rs, (s) => s.nds18118),
        vat10_110: sum(rs, (s) => s.nds10110),
        vat0Base: sum(rs, (s) => s.nds0),
        noVatBase: sum(rs, (s) => s.ndsNo),
      });
    }
  });

  it('outlets: per register, revenue = sells − sell returns, average check', async () => {
    const r = await get(`/api/v1/reports/outlets?${PERIOD}`);
    const regs = fx.orgs.flatMap((o) => o.registers);
    expect(r.items).toHaveLength(regs.length);
    for (const g of regs) {
      const rs = fx.sent.filter((s) => s.regId === g.regId);
      const sells = rs.filter((s) => s.operationType === 1);
      const returns = rs.filter((s) => s.operationType === 2);
      const row = r.items.find((i) => i.registrationNumber === g.regId);
      expect(row).toMatchObject({
        sellReceipts: sells.length,
        sellSum: sum(sells, (s) => s.total),
        returnReceipts: returns.length,
        returnSum: sum(returns, (s) => s.total),
        revenue: sum(sells, (s) => s.total) - sum(returns, (s) => s.total),
        averageCheck: Math.round(sum(sells, (s) => s.total) / sells.length),
        place: rs[0]!.place,
      });
    }
  });

  it('hours: by ISO weekday and hour', async () => {
    const r = await get(`/api/v1/reports/hours?organizationId=${org1Id}&${PERIOD}`);
    const expected: Record<string, { sellReceipts: number; revenue: number }> = {};
    for (const s of of(1)) {
      if (s.operationType !== 1 && s.operationType !== 2) continue;
      const d = new Date(`${s.local}Z`);
      const k = `${((d.getUTCDay() + 6) % 7) + 1}|${d.getUTCHours()}`;
      const e = (expected[k] ??= { sellReceipts: 0, revenue: 0 });
      if (s.operationType === 1) {
        e.sellReceipts += 1;
        e.revenue += s.total;
      } else e.revenue -= s.total;
    }
    const got = Object.fromEntries(r.items.map((i) => [`${i.weekday}|${i.hour}`, { sellReceipts: i.sellReceipts, revenue: i.revenue }]));
    // Hours with only purchases appear with zeros; compare the hours that have sales or returns.
    for (const [k, v] of Object.entries(got)) if (!(k in expected)) expect(v).toEqual({ sellReceipts: 0, revenue: 0 });
    for (const [k, v] of Object.entries(expected)) expect(got[k]).toEqual(v);
  });

  it('shifts and z-report: received receipts and totals per shift, checked against the closing report', async () => {
    const s = await get(`/api/v1/reports/shifts?organizationId=${org1Id}`);
    expect(s.items).toHaveLength(2);
    const z = await get(`/api/v1/reports/z-report`);
    expect(z.items).toHaveLength(3);
    for (const g of fx.orgs.flatMap((o) => o.registers)) {
      const rs = fx.sent.filter((x) => x.fn === g.fn);
      const byOp = (op: number) => sum(rs.filter((x) => x.operationType === op), (x) => x.total);
      const row = z.items.find((i) => i.fn === g.fn);
      expect(row).toMatchObject({
        shiftNumber: 1,
        reportReceipts: g.receipts,
        receivedReceipts: rs.length,
        missingReceipts: 0,
        sellSum: byOp(1),
        sellReturnSum: byOp(2),
        buySum: byOp(3),
        buyReturnSum: byOp(4),
        matches: 'да',
      });
    }
  });

  it('abc-xyz: classes from revenue shares and weekly quantities', async () => {
    const r = await get(`/api/v1/reports/abc-xyz?organizationId=${org1Id}&${PERIOD}`);
    // Independent: per item, net revenue and quantity per ISO week (4 weeks: 2, 9, 16, 23 September).
    const weekOf = (local: string) => Math.floor((Number(local.slice(8, 10)) - 2) / 7);
    const items = new Map<string, { revenue: number; weeks: number[] }>();
    for (const s of of(1)) {
      if (s.operationType !== 1 && s.operationType !== 2) continue;
      const sign = s.operationType === 1 ? 1 : -1;
      for (const i of s.items) {
        const e = items.get(i.name) ?? { revenue: 0, weeks: [0, 0, 0, 0] };
        e.revenue += sign * i.sum;
        e.weeks[weekOf(s.local)]! += (sign * i.qMantissa) / 10 ** i.qScale;
        items.set(i.name, e);
      }
    }
    const sorted = [...items].sort((a, b) => b[1].revenue - a[1].revenue || (a[0] < b[0] ? -1 : 1));
    const total = sorted.reduce((t, [, e]) => t + Math.max(0, e.revenue), 0);
    let before = 0;
    const expected = sorted.map(([name, e]) => {
      const share = before / total;
      before += Math.max(0, e.revenue);
      const mean = e.weeks.reduce((a, b) => a + b, 0) / 4;
      const sd = Math.sqrt(e.weeks.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
      const cv = mean > 0 ? sd / mean : Infinity;
      return { name, revenue: e.revenue, abc: share < 0.8 ? 'A' : share < 0.95 ? 'B' : 'C', xyz: cv <= 0.1 ? 'X' : cv <= 0.25 ? 'Y' : 'Z' };
    });
    expect(r.items.map((i) => ({ name: i.name, revenue: i.revenue, abc: i.abc, xyz: i.xyz }))).toEqual(expected);
    const matrix = r.extra?.matrix as Record<string, number>;
    expect(Object.values(matrix).reduce((a, b) => a + b, 0)).toBe(expected.length);
    expect(r.extra?.weeks).toBe(4);
  });

  it('fn-schedule and unsent list the drives of the scope', async () => {
    const f = await get('/api/v1/reports/fn-schedule');
    expect(f.items.map((i) => i.fn).sort()).toEqual(fx.orgs.flatMap((o) => o.registers.map((g) => g.fn)).sort());
    for (const i of f.items) expect(i.lastFd).toBe(42);
    for (const i of f.items) expect([i.ofdServiceUntil, i.ofdServiceDaysLeft]).toEqual([null, null]);
    const u = await get('/api/v1/reports/unsent');
    expect(u.items).toEqual([]);
  });

  it('fn-schedule shows the OFD service end the operator set, and the days left', async () => {
    const served = fx.orgs[0]!.registers[0]!;
    const register = await h.database.db.selectFrom('registers').select('id').where('registration_number', '=', served.regId).executeTakeFirstOrThrow();
    // The last day of service: 100 days after today's date in Moscow.
    const until = new Date(Date.now() + 3 * 3_600_000 + 100 * 86_400_000).toISOString().slice(0, 10);
    const set = await h.app.inject({ method: 'PUT', url: `/api/v1/registers/${register.id}/ofd-service`, headers: asOperator, payload: { until } });
    expect(set.statusCode).toBe(200);
    const f = await get('/api/v1/reports/fn-schedule');
    for (const i of f.items) {
      expect([i.ofdServiceUntil, i.ofdServiceDaysLeft]).toEqual(i.fn === served.fn ? [until, 100] : [null, null]);
    }
    expect(f.columns.map((c) => c.title)).toEqual(expect.arrayContaining(['Обслуживание ОФД до', 'Дней обслуживания ОФД']));
    await h.app.inject({ method: 'PUT', url: `/api/v1/registers/${register.id}/ofd-service`, headers: asOperator, payload: { until: null } });
  });
});

describe('exports', () => {
  it('xlsx: Russian headers, frozen header, rubles with two decimals, totals row — parsed back with exceljs', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/api/v1/reports/payment-types?organizationId=${org1Id}&${PERIOD}&format=xlsx`, headers: asOperator });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const json = await get(`/api/v1/reports/payment-types?organizationId=${org1Id}&${PERIOD}`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(json.columns.map((c) => c.title));
    expect(header).toContain('Наличными, ₽');
    expect(ws.rowCount).toBe(json.items.length + 2);
    const cashCol = json.columns.findIndex((c) => c.key === 'cash') + 1;
    json.items.forEach((item, i) => {
      const cell = ws.getRow(i + 2).getCell(cashCol);
      expect(cell.value).toBe((item.cash as number) / 100);
      expect(cell.numFmt).toBe('#,##0.00');
    });
    const totals = ws.getRow(json.items.length + 2);
    expect(totals.getCell(1).value).toBe('Итого');
    expect(Math.round((totals.getCell(cashCol).value as number) * 100)).toBe(sum(of(1), (s) => NET[s.operationType]! * s.cash));
  });

  it('csv: BOM, header, exact rubles, totals line — parsed back', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/api/v1/reports/outlets?${PERIOD}&format=csv`, headers: asOperator });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = res.rawPayload.subarray(3).toString('utf8').trimEnd().split('\r\n').map((l) => l.split(';'));
    const header = lines[0]!;
    expect(header).toContain('Выручка, ₽');
    const revenueCol = header.indexOf('Выручка, ₽');
    const regCol = header.indexOf('РН ККТ');
    const rubles = (k: number) => `${k < 0 ? '-' : ''}${Math.floor(Math.abs(k) / 100)},${String(Math.abs(k) % 100).padStart(2, '0')}`;
    for (const g of fx.orgs.flatMap((o) => o.registers)) {
      const rs = fx.sent.filter((s) => s.regId === g.regId);
      const rev = sum(rs.filter((s) => s.operationType === 1), (s) => s.total) - sum(rs.filter((s) => s.operationType === 2), (s) => s.total);
      expect(lines.find((l) => l[regCol] === g.regId)?.[revenueCol]).toBe(rubles(rev));
    }
    const all = sum(fx.sent.filter((s) => s.operationType === 1), (s) => s.total) - sum(fx.sent.filter((s) => s.operationType === 2), (s) => s.total);
    expect(lines.at(-1)![0]).toBe('Итого');
    expect(lines.at(-1)![revenueCol]).toBe(rubles(all));
  });
});

describe('tenant scoping', () => {
  it('an organization’s API key sees only its own numbers in every report, and is refused the other’s ids', async () => {
    const names = ['z-report', 'shifts', 'payment-types', 'tax-systems', 'vat', 'outlets', 'hours', 'abc-xyz', 'fn-schedule', 'unsent'];
    const otherFns = fx.orgs[1]!.registers.map((g) => g.fn);
    for (const name of names) {
      const mine = await get(`/api/v1/reports/${name}`, key1);
      const body = JSON.stringify(mine);
      for (const fn of otherFns) expect(body).not.toContain(fn);
      expect(body).not.toContain(fx.orgs[1]!.registers[0]!.regId);
      const denied = await h.app.inject({ method: 'GET', url: `/api/v1/reports/${name}?organizationId=${org2Id}`, headers: bearer(key1) });
      expect(denied.statusCode).toBe(404);
    }
    const pt = await get('/api/v1/reports/payment-types', key1);
    expect(pt.totals.totalSum).toBe(sum(of(1), (s) => NET[s.operationType]! * s.total));
    const all = await get('/api/v1/reports/payment-types');
    expect(all.totals.totalSum).toBe(sum(fx.sent, (s) => NET[s.operationType]! * s.total));
  });
});
