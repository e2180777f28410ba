// The operator's staff and customers' money (issue 17): the staff find any organization by INN or name (with its
// balance) though they are members of none, and credit it by hand exactly once per idempotency key; customers are
// refused both, whatever organization they belong to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { addMember, asOperator, bearer, createOrganization, json, startApi, userToken, type ApiHarness } from './api-test-helpers.js';

const STAFF = 'olga.staff@ofd.test';
const OWNER = 'petr.owner@shop.test';

type Found = { items: Array<{ id: number; name: string | null; inn: string; balance: number }> };

let h: ApiHarness;
let staff: string;
let owner: string;
let lily: number;
let rose: number;
const LILY_INN = withInnCheckDigits('772211001');
const ROSE_INN = withInnCheckDigits('772211002');

beforeAll(async () => {
  h = await startApi({ operatorEmails: new Set([STAFF]) });
  staff = (await userToken(h, STAFF)).token;
  owner = (await userToken(h, OWNER)).token;
  lily = await createOrganization(h, LILY_INN, 'ООО «Лилия 50%»');
  rose = await createOrganization(h, ROSE_INN, 'ИП Розанова');
  await addMember(h, rose, OWNER, 'owner');
});
afterAll(() => h?.close());

const find = (token: string, query: string) => h.app.inject({ method: 'GET', url: `/api/v1/operator/organizations?${query}`, headers: bearer(token) });
const topUp = (token: string, org: number, amount: number, idempotencyKey: string) =>
  h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org}/operator-top-ups`, headers: bearer(token), payload: { amount, idempotencyKey, comment: 'Оплата наличными в офисе' } });
const balanceOf = async (org: number) => json<{ balance: number }>(await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/balance`, headers: asOperator })).balance;

describe('the operator’s organization lookup', () => {
  it('finds by INN prefix and by any part of the name, in any case, with the balance', async () => {
    const byInn = json<Found>(await find(staff, `q=${ROSE_INN.slice(0, 8)}`)).items;
    expect(byInn.map((o) => o.id)).toEqual(expect.arrayContaining([lily, rose]));
    // A full INN puts its organization first.
    expect(json<Found>(await find(staff, `q=${ROSE_INN}`)).items[0]).toEqual({ id: rose, name: 'ИП Розанова', inn: ROSE_INN, balance: 0 });
    expect(json<Found>(await find(staff, `q=${encodeURIComponent('розан')}`)).items.map((o) => o.id)).toEqual([rose]);
    // `%` in the query is a literal character, not a wildcard.
    expect(json<Found>(await find(staff, `q=${encodeURIComponent('50%')}`)).items.map((o) => o.id)).toEqual([lily]);
    expect(json<Found>(await find(staff, `q=${encodeURIComponent('%%')}`)).items).toEqual([]);
  });

  it('limits the answer and refuses bad input with the field', async () => {
    expect(json<Found>(await find(staff, `q=${ROSE_INN.slice(0, 8)}&limit=1`)).items).toHaveLength(1);
    const short = await find(staff, 'q=7');
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('q');
    expect((await find(staff, 'q=77&limit=51')).statusCode).toBe(400);
  });

  it('is refused to customers (403), even for their own organization', async () => {
    const r = await find(owner, `q=${ROSE_INN}`);
    expect(r.statusCode).toBe(403);
    expect(r.body).not.toContain(ROSE_INN);
  });
});

describe('a manual top-up by the operator’s staff', () => {
  it('credits an organization the staff is not a member of, once per idempotency key', async () => {
    const before = await balanceOf(lily);
    const first = await topUp(staff, lily, 10_000, 'staff-topup-0001');
    expect(first.statusCode, first.body).toBe(201);
    expect(json<{ balance: number }>(first).balance).toBe(before + 10_000);
    // A double click sends the same key: answered as the first, credited once.
    const again = await topUp(staff, lily, 10_000, 'staff-topup-0001');
    expect(again.statusCode, again.body).toBe(200);
    expect(await balanceOf(lily)).toBe(before + 10_000);
    // The same key for another amount is a different request: refused, nothing moves.
    expect((await topUp(staff, lily, 20_000, 'staff-topup-0001')).statusCode).toBe(409);
    expect(json<Found>(await find(staff, `q=${LILY_INN}`)).items[0]!.balance).toBe(before + 10_000);
  });

  it('is refused to a customer, for its own organization and for another', async () => {
    expect((await topUp(owner, rose, 10_000, 'cust-topup-0001')).statusCode).toBe(403);
    expect((await topUp(owner, lily, 10_000, 'cust-topup-0002')).statusCode).toBe(403);
    expect(await balanceOf(rose)).toBe(0);
  });
});
