// The branded e-receipt service bought in the Маркет (issue 17) through the API on a real PostgreSQL: the catalogue's
// offers, a purchase posted once per idempotency key, a short balance refused with nothing applied, a second purchase
// extending from the current end, and e-mails (over the harness's in-process SMTP) and the buyer's receipt page
// branded only while the service is in force.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpEmailSender } from '../../../src/adapters/email/smtp-email-sender.js';
import type { EmailSender } from '../../../src/adapters/email/email-sender.js';
import { verifyLedger } from '../../../src/db/ledger.repository.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createNotifyProcessor, type NotifyProcessor } from '../../../src/workers/notify/receipts.processor.js';
import { addMember, asOperator, bearer, createOrganization, job, persist, receipt, startApi, userToken, type ApiHarness } from '../api/api-test-helpers.js';

const INN = withInnCheckDigits('770500061');
const FN = '9999078900059101';
const REG = '0000000000059101';
const BRAND = { primaryColor: '#aa3300', accentColor: '#0a7d32', backgroundColor: '#fff8e7', headerText: 'Пекарня «Колос»', footerText: 'Ждём вас снова!', banners: [] };
const DAY = 86_400_000;

interface Period { productCode: string; months: number; startsAt: string; endsAt: string; transactionId: number }
interface Purchase { transactionId: number; replayed: boolean; period: Period; activeUntil: string | null; accounts: Record<string, number> }

describe('the branded e-receipt service in the Маркет', () => {
  let h: ApiHarness;
  let org: number;
  let owner: string;
  let email: EmailSender;
  let processor: NotifyProcessor;
  let jobs = 0;

  const buy = (payload: Record<string, unknown>) =>
    h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org}/branded-receipts/purchases`, headers: bearer(owner), payload });
  const status = async () =>
    (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/branded-receipts`, headers: bearer(owner) })).json<{ active: boolean; activeUntil: string | null; periods: Period[] }>();
  const accounts = async () => (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/balance`, headers: bearer(owner) })).json<Record<string, number>>();
  const topUp = (amount: number, key: string) =>
    h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org}/operator-top-ups`, headers: asOperator, payload: { amount, idempotencyKey: key, comment: 'Оплата по счёту' } });
  const history = async () =>
    (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/account-history`, headers: bearer(owner) })).json<{ items: Array<{ reason: string; title: string; amount: number }> }>().items;
  /** Stores receipt `fd`, e-mails it, and answers the HTML the buyer got. */
  const mailReceipt = async (fd: number): Promise<string> => {
    await persist(h.database, [job(FN, fd, 3, receipt({ fn: FN, fd, inn: INN, regId: REG, price: 12345, time: Date.UTC(2026, 10, 20, 14, 5) / 1000, itemName: 'Baton' }))]);
    const to = `buyer-${fd}@example.test`;
    jobs += 1;
    expect(await processor({ id: `b-${jobs}`, name: 'notify', data: { fn: FN, fd, channel: 'email', recipient: to }, attempt: 1, maxAttempts: 3 })).toEqual({ kind: 'done', status: 'delivered' });
    return String((await h.smtp.next(to)).html);
  };

  /** The buyer's page of receipt `fd` (the FNS QR parameters from the receipt's own fields). */
  const receiptPage = async (fd: number) => {
    const d = await h.database.db.selectFrom('documents').select(['fiscal_sign']).where('fn', '=', FN).where('fd', '=', fd).executeTakeFirstOrThrow();
    return h.app.inject({ method: 'GET', url: `/check?t=20261120T1405&s=123.45&fn=${FN}&i=${fd}&fp=${d.fiscal_sign!}&n=1` });
  };

  beforeAll(async () => {
    h = await startApi();
    org = await createOrganization(h, INN, 'ООО Колос');
    owner = (await userToken(h, 'owner@brand-market.test')).token;
    await addMember(h, org, 'owner@brand-market.test', 'owner');
    email = createSmtpEmailSender({ url: `smtp://127.0.0.1:${h.smtp.port}`, from: 'OFD <receipts@ofd.test>' });
    processor = createNotifyProcessor({ db: h.database.db, logger: silentLogger(), email });
    const saved = await h.app.inject({ method: 'PUT', url: `/api/v1/organizations/${org}/receipt-brand`, headers: bearer(owner), payload: BRAND });
    expect(saved.statusCode).toBe(200);
  });
  afterAll(async () => {
    await email.close();
    await h.close();
  });

  it('offers 1 month for 490 ₽ and 12 months for 4 900 ₽, apart from the SMS catalogue', async () => {
    const offers = (await h.app.inject({ method: 'GET', url: '/api/v1/market/branded-receipts', headers: bearer(owner) })).json<{ items: Array<{ code: string; months: number; price: number }> }>();
    expect(offers.items.map((o) => [o.code, o.months, o.price])).toEqual([
      ['branded-1m', 1, 49_000],
      ['branded-12m', 12, 490_000],
    ]);
    const products = (await h.app.inject({ method: 'GET', url: '/api/v1/market/products', headers: bearer(owner) })).json<{ items: Array<{ code: string }> }>();
    expect(products.items.map((p) => p.code)).not.toContain('branded-1m');
  });

  it('sends the default e-receipt while the service is not paid, though a brand is saved', async () => {
    expect(await status()).toEqual({ organizationId: org, active: false, activeUntil: null, periods: [] });
    const html = await mailReceipt(1);
    expect(html).not.toContain('bgcolor="#aa3300"');
    expect(html).not.toContain('Пекарня «Колос»');
  });

  it('refuses a short balance with nothing applied, and names the bad field', async () => {
    await topUp(40_000, 'brand-top-0001');
    const short = await buy({ product: 'branded-1m', idempotencyKey: 'brand-buy-0001' });
    expect([short.statusCode, short.json<{ code: string }>().code]).toEqual([409, 'INSUFFICIENT_FUNDS']);
    expect(await accounts()).toMatchObject({ balance: 40_000 });
    expect(await status()).toMatchObject({ active: false, periods: [] });
    expect((await history()).map((x) => x.reason)).not.toContain('branded_receipts');

    const bad = await buy({ product: 'branded-1m' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ code: string; details: Array<{ path: string }> }>().details.map((d) => d.path)).toContain('body.idempotencyKey');
    const unknown = await buy({ product: 'sms-100', idempotencyKey: 'brand-buy-0002' });
    expect(unknown.json()).toMatchObject({ code: 'PRODUCT_UNAVAILABLE' });
  });

  it('posts a purchase once per idempotency key and brands e-mails and the receipt page from then on', async () => {
    await topUp(600_000, 'brand-top-0002');
    const before = Date.now();
    const r = await buy({ product: 'branded-1m', idempotencyKey: 'brand-buy-0001' });
    expect(r.statusCode).toBe(201);
    const first = r.json<Purchase>();
    expect(first).toMatchObject({ replayed: false, accounts: { balance: 640_000 - 49_000 }, period: { productCode: 'branded-1m', months: 1 } });
    const starts = new Date(first.period.startsAt);
    expect(starts.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const oneMonthLater = new Date(starts);
    oneMonthLater.setUTCMonth(oneMonthLater.getUTCMonth() + 1);
    expect(first.period.endsAt).toBe(oneMonthLater.toISOString());

    const again = await buy({ product: 'branded-1m', idempotencyKey: 'brand-buy-0001' });
    expect([again.statusCode, again.json<Purchase>().transactionId, again.json<Purchase>().period]).toEqual([200, first.transactionId, first.period]);
    expect((await buy({ product: 'branded-12m', idempotencyKey: 'brand-buy-0001' })).json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await accounts()).toMatchObject({ balance: 591_000 });
    expect((await history()).filter((x) => x.reason === 'branded_receipts')).toEqual([expect.objectContaining({ title: 'Брендированные чеки', amount: -49_000 })]);
    expect(await status()).toMatchObject({ active: true, activeUntil: first.period.endsAt, periods: [first.period] });

    const html = await mailReceipt(2);
    expect(html).toContain('bgcolor="#aa3300"');
    expect(html).toContain('Пекарня «Колос»');
    expect(await verifyLedger(h.database.db)).toEqual([]);
    expect((await receiptPage(2)).body).toContain('bgcolor="#aa3300"');
  });

  it('extends a second purchase from the current end, not from today', async () => {
    const current = (await status()).activeUntil!;
    const r = await buy({ product: 'branded-12m', idempotencyKey: 'brand-buy-0003' });
    expect(r.statusCode).toBe(201);
    const second = r.json<Purchase>();
    expect(second.period.startsAt).toBe(current);
    const yearLater = new Date(current);
    yearLater.setUTCMonth(yearLater.getUTCMonth() + 12);
    expect([second.period.endsAt, second.activeUntil]).toEqual([yearLater.toISOString(), yearLater.toISOString()]);
    expect(second.accounts).toMatchObject({ balance: 591_000 - 490_000 });
    expect((await status()).periods.map((p) => p.productCode)).toEqual(['branded-12m', 'branded-1m']);
  });

  it('goes back to the default e-receipt and receipt page once the paid periods are over', async () => {
    // The periods end: moved wholly into the past, as time would.
    const shift = Date.parse((await status()).activeUntil!) - Date.now() + 400 * DAY;
    const moved = await sql`
      update branded_receipt_periods set starts_at = starts_at - make_interval(secs => ${shift / 1000}), ends_at = ends_at - make_interval(secs => ${shift / 1000})
       where organization_id = ${org}
    `.execute(h.database.db);
    expect(Number(moved.numAffectedRows)).toBe(2);
    expect(await status()).toMatchObject({ active: false, activeUntil: null });
    const html = await mailReceipt(3);
    expect(html).not.toContain('bgcolor="#aa3300"');
    expect(html).not.toContain('Пекарня «Колос»');
    const page = await receiptPage(2);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('bgcolor="#aa3300"');
  });
});
