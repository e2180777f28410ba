// One FN end date everywhere (issue 15): registration reports of 13-, 15- and 36-month drives (and one without 1213)
// go through the real persist processor; then the fn-schedule report, the register API, the fiscal-drive API and the
// fn.expiring notification must all name the same replace-by date and reason. The expected dates are set up here
// first (an end date E, a registration E − N months) and never computed by src/domain/fn-end-date.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { encodeTlv } from '../../../protocol/tlv.js';
import { createConditionEvaluator } from '../../../src/workers/notify/conditions.js';
import { ascii, u32, u8 } from '../../support/kkt.js';
import { asOperator, createOrganization, job, persist, startApi, type ApiHarness } from '../api/api-test-helpers.js';

const DAY = 86_400_000;
const INN = withInnCheckDigits('770300991');
const u16 = (tag: number, v: number) => encodeTlv(tag, Buffer.from([v & 0xff, v >> 8]));

/** A calendar day as `YYYY-MM-DD`, and the same wall clock as local seconds (tag 1012 is local time encoded as UTC). */
const ymd = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
const localSeconds = (day: string, hh = 10) => Date.parse(`${day}T${String(hh).padStart(2, '0')}:00:00Z`) / 1000;

/** Today in Moscow + `days`, moved forward to a day-of-month ≤ 28 so "+N months" is unambiguous. */
function endDay(days: number): { day: string; y: number; m: number; d: number } {
  let t = Date.now() + 3 * 3_600_000 + days * DAY;
  while (new Date(t).getUTCDate() > 28) t += DAY;
  const x = new Date(t);
  const [y, m, d] = [x.getUTCFullYear(), x.getUTCMonth() + 1, x.getUTCDate()];
  return { day: ymd(y, m, d), y, m, d };
}
function monthsBefore(e: { y: number; m: number; d: number }, months: number): string {
  const total = e.y * 12 + (e.m - 1) - months;
  return ymd(Math.floor(total / 12), (total % 12) + 1, e.d);
}
const daysBetween = (a: string, b: string) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY);
const todayMoscow = () => new Date(Date.now() + 3 * 3_600_000).toISOString().slice(0, 10);

interface Drive {
  label: string;
  fn: string;
  regId: string;
  /** 1213 in the registration report (undefined: the report has none, as FFD 1.0). */
  keyDays?: number;
  registeredOn: string;
  expected: { validityMonths: number; validityBasis: string; replaceBy: string; reason: string };
  /** A later close-shift report with its own 1213. */
  shiftKey?: { on: string; days: number };
}

function registrationReport(d: Drive, fd: number): Buffer[] {
  return [
    ascii(1048, 'OOO FN'),
    ascii(1018, INN.padEnd(12, ' ')),
    u32(1012, localSeconds(d.registeredOn)),
    ascii(1037, d.regId.padEnd(20, ' ')),
    ascii(1013, `SN${d.regId.slice(-8)}`.padEnd(20, ' ')),
    ascii(1009, 'Moscow, Tverskaya 1'),
    ascii(1187, 'Shop'),
    u8(1055, 1),
    u32(1040, fd),
    ascii(1041, d.fn),
    u8(1209, 2),
    u8(1190, 2),
    ...(d.keyDays === undefined ? [] : [u16(1213, d.keyDays)]),
  ];
}

function closeShiftReport(d: Drive, fd: number, on: string, keyDays: number): Buffer[] {
  return [
    ascii(1048, 'OOO FN'),
    ascii(1018, INN.padEnd(12, ' ')),
    u32(1012, localSeconds(on, 22)),
    ascii(1037, d.regId.padEnd(20, ' ')),
    u32(1038, 1),
    u32(1040, fd),
    ascii(1041, d.fn),
    ascii(1021, 'Cashier'),
    u32(1118, 0),
    u32(1111, 2),
    u32(1097, 0),
    u8(1209, 2),
    u16(1213, keyDays),
  ];
}

let h: ApiHarness;
let orgId: number;
const drives: Drive[] = [];

beforeAll(async () => {
  h = await startApi();
  orgId = await createOrganization(h, INN, 'ООО ФН');
  const e13 = endDay(10);
  const e15 = endDay(20);
  const e36 = endDay(25);
  const eAssumed = endDay(15);
  const keyEnd15 = endDay(6).day; // the 15-month FN's keys run out first, as its last shift report says
  // 1213 at registration a few days beyond the model's months: the calendar validity is the earlier date.
  drives.push(
    { label: '13', fn: '9999078900015013', regId: '0000000015013001', keyDays: 400, registeredOn: monthsBefore(e13, 13), expected: { validityMonths: 13, validityBasis: 'registration', replaceBy: e13.day, reason: 'validity' } },
    {
      label: '15',
      fn: '9999078900015015',
      regId: '0000000015015001',
      keyDays: 462,
      registeredOn: monthsBefore(e15, 15),
      expected: { validityMonths: 15, validityBasis: 'registration', replaceBy: keyEnd15, reason: 'key_resource' },
      shiftKey: { on: todayMoscow(), days: daysBetween(todayMoscow(), keyEnd15) },
    },
    { label: '36', fn: '9999078900015036', regId: '0000000015036001', keyDays: 1100, registeredOn: monthsBefore(e36, 36), expected: { validityMonths: 36, validityBasis: 'registration', replaceBy: e36.day, reason: 'validity' } },
    // No 1213 (FFD 1.0): the shortest validity is assumed, so a 13-month drive cannot expire unseen.
    { label: 'none', fn: '9999078900015000', regId: '0000000015000001', registeredOn: monthsBefore(eAssumed, 13), expected: { validityMonths: 13, validityBasis: 'assumed', replaceBy: eAssumed.day, reason: 'validity' } },
  );
  for (const d of drives) {
    const jobs = [job(d.fn, 1, 1, registrationReport(d, 1))];
    if (d.shiftKey) jobs.push(job(d.fn, 2, 5, closeShiftReport(d, 2, d.shiftKey.on, d.shiftKey.days)));
    await persist(h.database, jobs);
  }
}, 60_000);
afterAll(() => h?.close());

async function get<T>(url: string): Promise<T> {
  const r = await h.app.inject({ method: 'GET', url, headers: asOperator });
  expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
  return r.json<T>();
}

interface Forecast {
  replaceBy: string | null;
  reason: string | null;
  reasonText: string | null;
  validityMonths: number;
  validityBasis: string;
  daysLeft: number | null;
}

describe('an FN end date is the same in the report, the register API, the fiscal-drive API and fn.expiring', () => {
  it('fiscal_drives.validity_months is written from the registration report', async () => {
    const rows = await h.database.db.selectFrom('fiscal_drives').select(['fn', 'validity_months']).orderBy('fn').execute();
    const want = Object.fromEntries(drives.map((d) => [d.fn, d.keyDays === undefined ? null : d.expected.validityMonths]));
    expect(Object.fromEntries(rows.map((r) => [r.fn, r.validity_months]))).toEqual(want);
  });

  it('all four places agree, with the expected date and reason', async () => {
    const report = await get<{ items: Array<Record<string, unknown>> }>(`/api/v1/reports/fn-schedule?organizationId=${orgId}`);
    const registers = await get<{ items: Array<{ id: number; registrationNumber: string; fnReplacement: Forecast | null }> }>(
      `/api/v1/registers?organizationId=${orgId}`,
    );
    const evaluator = createConditionEvaluator({ db: h.database.db, logger: silentLogger(), now: () => new Date() });
    const fired = await evaluator.evaluate();
    for (const d of drives) {
      const want = d.expected;
      const days = daysBetween(todayMoscow(), want.replaceBy);
      const row = report.items.find((i) => i.fn === d.fn);
      expect(row, d.label).toMatchObject({ replaceBy: want.replaceBy, reasonCode: want.reason, validityMonths: want.validityMonths, daysLeft: days });
      const reg = registers.items.find((r) => r.registrationNumber === d.regId)!;
      expect(reg.fnReplacement, d.label).toMatchObject({ ...want, daysLeft: days });
      const detail = await get<{ fiscalDrives: Array<{ fn: string; forecast: Forecast }> }>(`/api/v1/registers/${reg.id}`);
      expect(detail.fiscalDrives.find((f) => f.fn === d.fn)?.forecast, d.label).toMatchObject({ ...want, daysLeft: days });
      const drive = await get<{ forecast: Forecast }>(`/api/v1/fiscal-drives/${d.fn}`);
      expect(drive.forecast, d.label).toMatchObject({ ...want, daysLeft: days });
      // Every one ends within 30 days: fn.expiring fired for it, naming the same date and reason.
      const note = fired.find((c) => c.kind === 'fn.expiring' && c.subject === `fn:${d.fn}` && c.threshold === '30d');
      expect(note?.data, d.label).toMatchObject({ replaceBy: want.replaceBy, reason: want.reason, daysLeft: days });
      // And the human reason is the same text in the report and the API.
      expect(row?.reason).toBe(drive.forecast.reasonText);
    }
    // The report lists them by urgency: the nearest date first.
    const order = report.items.map((i) => i.replaceBy as string);
    expect(order).toEqual([...order].sort());
  });
});
