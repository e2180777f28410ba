// Issue 13, item 6: sending an e-receipt is a write — its own permission and API-key scope, a per-organization hourly
// limit shared through Redis, and a history that is appended to, never overwritten.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, apiKey, bearer, startApi, userToken, type ApiHarness } from './api-test-helpers.js';
import { seedTenant, type Tenant } from './tenant-fixture.js';

let h: ApiHarness;
let t: Tenant;
const SENDS_PER_HOUR = 4;

beforeAll(async () => {
  h = await startApi({ receiptSendsPerHour: SENDS_PER_HOUR });
  t = await seedTenant(h, 3, { email: 'owner-sends@example.test' });
});
afterAll(() => h.close());

const send = (token: string, recipient: string) =>
  h.app.inject({ method: 'POST', url: `/api/v1/documents/${t.fn}/${t.receiptFds[0]!}/deliveries`, headers: bearer(token), payload: { recipient } });

describe('sending e-receipts', () => {
  it('is refused to viewers and read-only API keys (403), who still read the delivery status', async () => {
    const viewer = await userToken(h, 'viewer-sends@example.test');
    await addMember(h, t.organizationId, 'viewer-sends@example.test', 'viewer');
    const readOnly = await apiKey(h, t.organizationId);
    for (const token of [viewer.token, readOnly.key]) {
      const r = await send(token, 'victim@example.test');
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ code: 'FORBIDDEN' });
      const read = await h.app.inject({ method: 'GET', url: `/api/v1/documents/${t.fn}/${t.receiptFds[0]!}/deliveries`, headers: bearer(token) });
      expect(read.statusCode).toBe(200);
    }
    const rows = await h.database.db.selectFrom('receipt_delivery_log').selectAll().execute();
    expect(rows).toEqual([]);
  });

  it('is allowed to accountants and keys with receipts:send, keeps every send in the history, and is limited per hour', async () => {
    const accountant = await userToken(h, 'accountant-sends@example.test');
    await addMember(h, t.organizationId, 'accountant-sends@example.test', 'accountant');
    const sender = await apiKey(h, t.organizationId, ['documents:read', 'receipts:send']);
    expect((await send(accountant.token, 'first@example.test')).statusCode).toBe(202);
    expect((await send(sender.key, 'second@example.test')).statusCode).toBe(202);

    const read = await h.app.inject({ method: 'GET', url: `/api/v1/documents/${t.fn}/${t.receiptFds[0]!}/deliveries`, headers: bearer(t.userToken) });
    const body = read.json<{ items: Array<{ recipient: string }>; history: Array<{ event: string; recipient: string; requestedBy: string | null }> }>();
    expect(body.items.map((i) => i.recipient)).toEqual(['second@example.test']);
    expect(body.history.map((x) => [x.event, x.recipient, x.requestedBy])).toEqual([
      ['requested', 'first@example.test', `user:${accountant.userId}`],
      ['superseded', 'first@example.test', null],
      ['requested', 'second@example.test', `apiKey:${sender.id}`],
    ]);

    // Two sends spent; the owner spends the rest of the hour's SENDS_PER_HOUR, then the organization is refused.
    for (let i = 2; i < SENDS_PER_HOUR; i++) expect((await send(t.userToken, `more${i}@example.test`)).statusCode).toBe(202);
    const refused = await send(t.userToken, 'one-too-many@example.test');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'RECEIPT_SENDS_EXHAUSTED' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Counted in Redis under the API's prefix, so every API process shares it.
    expect(await h.redis.get(`${h.redisPrefix}:receipt-sends:${t.organizationId}`)).toBe(String(SENDS_PER_HOUR + 1));
  });
});
