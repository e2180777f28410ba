// The buyer's receipt page over the API's own lookup: a real receipt stored by the persist processor, opened by its
// QR string as HTML; a wrong field is the same 404 page; bad input a 400; too many tries from one address a 429.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fnsQrString } from '../../../src/domain/receipt-view.js';
import { startApi, type ApiHarness } from '../api/api-test-helpers.js';
import { seedTenant, type Tenant } from '../api/tenant-fixture.js';

describe('the receipt page /check', () => {
  let h: ApiHarness;
  let a: Tenant;
  let qr: string;

  beforeAll(async () => {
    h = await startApi({ authRateLimit: { max: 5, timeWindowMs: 60_000 } });
    a = await seedTenant(h, 1, { email: 'owner@page.test' });
    const d = await h.database.db.selectFrom('documents').selectAll().where('fn', '=', a.fn).where('fd', '=', a.receiptFds[0]!).executeTakeFirstOrThrow();
    qr = fnsQrString({ dateTime: d.date_time!, totalSum: d.total_sum!, fn: a.fn, fd: d.fd, fiscalSign: d.fiscal_sign!, operationType: d.operation_type! });
  });
  afterAll(() => h.close());

  it('shows the receipt a QR string names, as a private HTML page', async () => {
    const r = await h.app.inject({ method: 'GET', url: `/check?${qr}` });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/html');
    expect(r.headers['cache-control']).toBe('private, no-store');
    expect(r.body).toContain('Кассовый чек');
    expect(r.body).toContain('Bread white');
    expect(r.body).toContain(`data-qr="${qr.replace(/&/g, '&amp;')}"`);
    // Only the receipt: nothing of the cabinet, no other documents of the shift.
    expect(r.body).not.toContain('Milk 3.2%');
    expect(r.body).not.toContain('/api/v1');
  });

  it('answers the same 404 page for any field that does not match, and 400 for input that is not a QR string', async () => {
    const wrongSign = qr.replace(/fp=\d+/, 'fp=1');
    const wrongSum = qr.replace(/s=[\d.]+/, 's=1.00');
    for (const q of [wrongSign, wrongSum]) {
      const r = await h.app.inject({ method: 'GET', url: `/check?${q}` });
      expect([r.statusCode, r.body.includes('Чек не найден')]).toEqual([404, true]);
    }
    const bad = await h.app.inject({ method: 'GET', url: '/check?t=x&s=1&fn=1&i=1&fp=1' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('rate-limits one address', async () => {
    let last = 0;
    for (let i = 0; i < 6; i++) last = (await h.app.inject({ method: 'GET', url: `/check?${qr}`, remoteAddress: '10.1.2.3' })).statusCode;
    expect(last).toBe(429);
  });
});
