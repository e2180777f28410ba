// What the cabinet's screens needed from the API (issue 14): the Z-report lists the FD numbers of a shift that never
// arrived; documents filter by payment; a receipt's detail carries its FNS QR string; outlets are renamed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import {
  addMember,
  asOperator,
  bearer,
  closeShift,
  createOrganization,
  job,
  json,
  openShift,
  persist,
  receipt,
  startApi,
  userToken,
  type ApiHarness,
} from './api-test-helpers.js';

const INN = withInnCheckDigits('770140001');
const FN = '9999078900140001';
const REG = '0000000140000001';
let h: ApiHarness;
let token: string;
let organizationId: number;

beforeAll(async () => {
  h = await startApi({ cabinetDir: false });
  // Shift 4: opened at FD 1, receipts FD 2 (cash) and FD 4 (card), FD 3 never arrives, closed at FD 5 counting 3 receipts.
  const card = receipt({ fn: FN, fd: 4, inn: INN, regId: REG, shift: 4, price: 25050 });
  await persist(h.database, [
    job(FN, 1, 2, openShift({ fn: FN, fd: 1, inn: INN, regId: REG, shift: 4 })),
    job(FN, 2, 3, receipt({ fn: FN, fd: 2, inn: INN, regId: REG, shift: 4, price: 10000 })),
    job(FN, 4, 3, card),
    job(FN, 5, 5, closeShift({ fn: FN, fd: 5, inn: INN, regId: REG, shift: 4, receipts: 3 })),
  ]);
  // Make FD 4 a card payment: its 1031 cash → 0, 1081 ecash → the total (the helper's receipts are paid in cash).
  await h.database.pool.query('update documents set cash_total_sum = 0, ecash_total_sum = total_sum where fn = $1 and fd = 4', [FN]);
  organizationId = await createOrganization(h, INN);
  ({ token } = await userToken(h, 'owner140@example.test'));
  await addMember(h, organizationId, 'owner140@example.test', 'owner');
});
afterAll(() => h?.close());

describe('cabinet API additions', () => {
  it('lists the missing FD numbers of a closed shift in its Z-report', async () => {
    const z = await h.app.inject({ method: 'GET', url: `/api/v1/shifts/${FN}/4/z-report`, headers: bearer(token) });
    expect(z.statusCode, z.body).toBe(200);
    expect(z.json()).toMatchObject({ closeFd: 5, receiptsQuantity: 3, missingReceipts: 1, missingFds: [3] });
  });

  it('filters documents by payment, and refuses an unknown one field by field', async () => {
    const fds = async (payment: string) =>
      json<{ items: Array<{ fd: number }> }>(await h.app.inject({ method: 'GET', url: `/api/v1/documents?payment=${payment}`, headers: bearer(token) })).items.map((d) => d.fd);
    expect(await fds('cash')).toEqual([2]);
    expect(await fds('ecash')).toEqual([4]);
    expect(await fds('credit')).toEqual([]);
    const bad = await h.app.inject({ method: 'GET', url: '/api/v1/documents?payment=barter', headers: bearer(token) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'query.payment' })] });
  });

  it('carries the FNS QR string in a receipt’s detail, and none for a shift report', async () => {
    const r = json<{ qr: string | null }>(await h.app.inject({ method: 'GET', url: `/api/v1/documents/${FN}/4`, headers: bearer(token) }));
    const fp = (await h.database.pool.query('select fiscal_sign from documents where fn = $1 and fd = 4', [FN])).rows[0].fiscal_sign as number;
    expect(r.qr).toMatch(new RegExp(`^t=\\d{8}T\\d{4}&s=250\\.50&fn=${FN}&i=4&fp=${fp}&n=1$`));
    expect(json<{ qr: string | null }>(await h.app.inject({ method: 'GET', url: `/api/v1/documents/${FN}/5`, headers: bearer(token) })).qr).toBeNull();
  });

  it('renames an outlet; refuses an empty name and a duplicate without changing anything', async () => {
    const mk = async (place: string) =>
      json<{ id: number }>(await h.app.inject({ method: 'POST', url: '/api/v1/outlets', headers: asOperator, payload: { organizationId, address: 'Москва, Тверская 1', place } }));
    const one = await mk('Касса 1');
    await mk('Касса 2');
    const renamed = await h.app.inject({ method: 'PATCH', url: `/api/v1/outlets/${one.id}`, headers: bearer(token), payload: { place: ' Зал на втором этаже ' } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ id: one.id, place: 'Зал на втором этаже', address: 'Москва, Тверская 1' });

    const empty = await h.app.inject({ method: 'PATCH', url: `/api/v1/outlets/${one.id}`, headers: bearer(token), payload: { place: '', address: ' ' } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'body.address' })] });
    const duplicate = await h.app.inject({ method: 'PATCH', url: `/api/v1/outlets/${one.id}`, headers: bearer(token), payload: { place: 'Касса 2' } });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json()).toMatchObject({ code: 'OUTLET_EXISTS' });
    const after = json<{ place: string }>(await h.app.inject({ method: 'GET', url: `/api/v1/outlets/${one.id}`, headers: bearer(token) }));
    expect(after.place).toBe('Зал на втором этаже');
  });

  it('finds outlets by address or place and registers by serial number, only within the caller’s organizations', async () => {
    const other = await createOrganization(h, withInnCheckDigits('770140002'));
    await h.app.inject({ method: 'POST', url: '/api/v1/outlets', headers: asOperator, payload: { organizationId: other, address: 'Тверь, Советская 5', place: 'Чужой зал на втором этаже' } });
    const mine = await h.app.inject({ method: 'POST', url: '/api/v1/outlets', headers: asOperator, payload: { organizationId, address: 'Тверь, Советская 7', place: 'Свой зал на втором этаже' } });
    const search = async (q: string) =>
      json<{ items: Array<{ type: string; matched: string; title: string; href: string }> }>(
        await h.app.inject({ method: 'GET', url: `/api/v1/search?q=${encodeURIComponent(q)}`, headers: bearer(token) }),
      ).items;
    const outlets = (await search('советская')).filter((x) => x.type === 'outlet');
    expect(outlets).toEqual([{ type: 'outlet', matched: 'address', title: 'Точка: Свой зал на втором этаже, Тверь, Советская 7', href: `/api/v1/outlets/${json<{ id: number }>(mine).id}` }]);

    await h.database.pool.query("update registers set serial_number = '00140000777' where registration_number = $1", [REG]);
    const id = (await h.database.pool.query('select id from registers where registration_number = $1', [REG])).rows[0].id as number;
    expect((await search('00140000777')).filter((x) => x.type === 'register')).toEqual([
      { type: 'register', matched: 'serialNumber', title: `ККТ ЗН 00140000777 (РН ${REG})`, href: `/api/v1/registers/${id}` },
    ]);
  });

  it('lists marking codes only of the caller’s organizations (none here), and refuses an unknown stage', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/marking-codes?stage=delivered&result=ok', headers: bearer(token) });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ items: [], nextCursor: null });
    const bad = await h.app.inject({ method: 'GET', url: '/api/v1/marking-codes?stage=eaten', headers: bearer(token) });
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'query.stage' })] });
  });
});
