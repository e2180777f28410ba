// The Маркет through the API on a real PostgreSQL: SMS packages from the catalogue, activation codes bought and
// applied, SMS charged from the package or on credit, the month-end postpaid bill (and its debt when the balance is
// short), and the account history as xlsx.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billPostpaidSms } from '../../../src/billing/market.js';
import { verifyLedger } from '../../../src/db/ledger.repository.js';
import { refundSmsCredit, takeSmsCredit } from '../../../src/db/notify.repository.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { addMember, asOperator, bearer, createOrganization, startApi, userToken, type ApiHarness } from '../api/api-test-helpers.js';

describe('the Маркет', () => {
  let h: ApiHarness;
  let org: number;
  let other: number;
  let owner: string;
  let registers: number[];

  const buy = (payload: Record<string, unknown>, organizationId = org) =>
    h.app.inject({ method: 'POST', url: `/api/v1/organizations/${organizationId}/market/purchases`, headers: bearer(owner), payload });
  const accounts = async () => (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/balance`, headers: bearer(owner) })).json<Record<string, number>>();
  const topUp = (amount: number, key: string, organizationId = org) =>
    h.app.inject({ method: 'POST', url: `/api/v1/organizations/${organizationId}/operator-top-ups`, headers: asOperator, payload: { amount, idempotencyKey: key, comment: 'Оплата по счёту' } });

  beforeAll(async () => {
    h = await startApi();
    org = await createOrganization(h, withInnCheckDigits('770500001'), 'ООО Маркет');
    other = await createOrganization(h, withInnCheckDigits('770500002'), 'ООО Другая');
    owner = (await userToken(h, 'owner@market.test')).token;
    await addMember(h, org, 'owner@market.test', 'owner');
    registers = [];
    for (const n of ['0000000000180001', '0000000000180002']) {
      const r = await h.app.inject({ method: 'POST', url: '/api/v1/registers', headers: asOperator, payload: { organizationId: org, registrationNumber: n } });
      registers.push(r.json<{ id: number }>().id);
    }
  });
  afterAll(() => h.close());

  it('sells the four SMS packages of the catalogue at their prices', async () => {
    const products = (await h.app.inject({ method: 'GET', url: '/api/v1/market/products', headers: bearer(owner) })).json<{ items: Array<{ code: string; units: number; price: number }> }>();
    expect(products.items.filter((p) => p.code !== 'sms-postpaid').map((p) => [p.code, p.units, p.price])).toEqual([
      ['sms-100', 100, 9_900],
      ['sms-250', 250, 24_900],
      ['sms-500', 500, 49_900],
      ['sms-1000', 1000, 99_900],
    ]);
  });

  it('buys an SMS package from the balance once, refusing it while the balance is short', async () => {
    expect((await buy({ product: 'sms-250', idempotencyKey: 'buy-sms-0001' })).json()).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    await topUp(100_000, 'top-0001');
    const r = await buy({ product: 'sms-250', idempotencyKey: 'buy-sms-0001' });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ replayed: false, accounts: { balance: 75_100, sms: 250 } });
    const again = await buy({ product: 'sms-250', idempotencyKey: 'buy-sms-0001' });
    expect([again.statusCode, again.json<{ transactionId: number }>().transactionId]).toEqual([200, r.json<{ transactionId: number }>().transactionId]);
    expect((await buy({ product: 'sms-100', idempotencyKey: 'buy-sms-0001' })).json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect((await buy({ product: 'sms-99', idempotencyKey: 'buy-sms-0002' })).json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await accounts()).toMatchObject({ balance: 75_100, sms: 250 });
  });

  it('buys activation codes and applies one per register; a used code or another organization’s is refused', async () => {
    const tariffs = (await h.app.inject({ method: 'GET', url: '/api/v1/tariffs', headers: bearer(owner) })).json<{ items: Array<{ id: number; code: string }> }>().items;
    const oneMonth = tariffs.find((t) => t.code === 'ofd-1m')!;
    expect((await buy({ product: 'activation-codes', tariffId: oneMonth.id, quantity: 2, idempotencyKey: 'buy-codes-0001' })).json()).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    await topUp(4_900, 'top-0002');
    const r = await buy({ product: 'activation-codes', tariffId: oneMonth.id, quantity: 2, idempotencyKey: 'buy-codes-0001' });
    expect(r.statusCode).toBe(201);
    const { codes, accounts: after } = r.json<{ codes: Array<{ code: string }>; accounts: Record<string, number> }>();
    expect(codes).toHaveLength(2);
    expect(after).toMatchObject({ balance: 0, activationCodes: 2 });
    const replay = await buy({ product: 'activation-codes', tariffId: oneMonth.id, quantity: 2, idempotencyKey: 'buy-codes-0001' });
    expect(replay.json<{ codes: Array<{ code: string }> }>().codes.map((c) => c.code).sort()).toEqual(codes.map((c) => c.code).sort());

    const apply = (registerId: number, code: string) =>
      h.app.inject({ method: 'POST', url: `/api/v1/registers/${registerId}/activation`, headers: bearer(owner), payload: { code: code.toLowerCase() } });
    const applied = await apply(registers[0]!, codes[0]!.code);
    expect(applied.statusCode).toBe(201);
    expect(applied.json()).toMatchObject({ period: { source: 'activation_code', activationCode: codes[0]!.code, price: 0 } });
    expect((await apply(registers[0]!, codes[0]!.code)).statusCode).toBe(200);
    expect((await apply(registers[1]!, codes[0]!.code)).json()).toMatchObject({ code: 'ACTIVATION_CODE_USED' });
    const register = await h.app.inject({ method: 'GET', url: `/api/v1/registers/${registers[0]}`, headers: bearer(owner) });
    expect(register.json()).toMatchObject({ ofdService: { status: 'active', until: applied.json<{ period: { endsOn: string } }>().period.endsOn } });
    // Another organization's register cannot take this organization's code.
    const foreign = await h.app.inject({ method: 'POST', url: '/api/v1/registers', headers: asOperator, payload: { organizationId: other, registrationNumber: '0000000000180003' } });
    const viaOperator = await h.app.inject({ method: 'POST', url: `/api/v1/registers/${foreign.json<{ id: number }>().id}/activation`, headers: asOperator, payload: { code: codes[1]!.code } });
    expect(viaOperator.statusCode).toBe(404);
    expect(await accounts()).toMatchObject({ activationCodes: 1 });
    const list = (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/activation-codes`, headers: bearer(owner) })).json<{ items: Array<{ appliedRegisterId: number | null }> }>();
    expect(list.items.map((c) => c.appliedRegisterId).sort()).toEqual([registers[0], null].sort());
  });

  it('charges SMS to the package, then on credit once postpaid is on, and gives a failed send back', async () => {
    expect(await takeSmsCredit(h.database.db, org, 'r1-a1')).toBe('sms');
    expect(await takeSmsCredit(h.database.db, org, 'r1-a1')).toBe('sms'); // the same attempt again: charged once
    await refundSmsCredit(h.database.db, org, 'r1-a1', 'sms');
    expect(await accounts()).toMatchObject({ sms: 250 });
    for (let i = 0; i < 250; i++) expect(await takeSmsCredit(h.database.db, org, `bulk-${i}`)).toBe('sms');
    expect(await takeSmsCredit(h.database.db, org, 'over-1')).toBeNull();
    const on = await h.app.inject({ method: 'PUT', url: `/api/v1/organizations/${org}/sms-postpaid`, headers: bearer(owner), payload: { enabled: true } });
    expect(on.json()).toEqual({ organizationId: org, enabled: true });
    for (let i = 0; i < 3; i++) expect(await takeSmsCredit(h.database.db, org, `credit-${i}`)).toBe('sms_postpaid');
    expect(await accounts()).toMatchObject({ sms: 0, smsPostpaid: 3 });
  });

  it('bills the month’s postpaid SMS once at the month’s end, the uncovered part as debt', async () => {
    const nextMonth = new Date(Date.now() + 40 * 86_400_000);
    await topUp(200, 'top-0003');
    const bill = await billPostpaidSms(h.database.db, org, nextMonth);
    expect(bill).toEqual({ count: 3, amount: 450, replayed: false });
    expect(await accounts()).toMatchObject({ balance: 0, smsPostpaid: 0, debt: 250 });
    expect(await billPostpaidSms(h.database.db, org, nextMonth)).toMatchObject({ replayed: true });
    // This month's SMS are not billed before the month ends.
    expect(await billPostpaidSms(h.database.db, org, new Date())).toMatchObject({ count: 0 });
    expect(await accounts()).toMatchObject({ debt: 250 });
  });

  it('downloads the account history as xlsx, with every movement and Russian titles', async () => {
    const r = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/account-history?format=xlsx`, headers: bearer(owner) });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const rows: unknown[][] = [];
    wb.worksheets[0]!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows[0]).toEqual(['Дата и время (UTC)', 'Операция', 'Основание', 'Сумма, ₽', 'SMS', '№ операции']);
    const titles = rows.slice(1, -1).map((x) => x[1]);
    expect(titles).toContain('Покупка пакета SMS');
    expect(titles).toContain('Покупка кодов активации');
    expect(titles).toContain('Оплата SMS по факту (постоплата)');
    const json = (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/account-history?limit=500`, headers: bearer(owner) })).json<{ items: unknown[] }>();
    expect(rows.length - 2).toBe(json.items.length);
    // Totals row: the balance changes sum to the balance now (0) in rubles.
    expect(rows.at(-1)![3]).toBe(0);
    expect(await verifyLedger(h.database.db)).toEqual([]);
  });
});
