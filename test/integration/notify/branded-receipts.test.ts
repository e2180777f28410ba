// Branded e-receipts, short links and Viber (issue 17) on real PostgreSQL, SMTP and HTTP: a brand set through the API
// (bad input refused field by field), a receipt stored by the real persist processor and sent by the notify processor
// — the e-mail through an in-process SMTP server (parsed with mailparser; its QR image decoded with jsqr, the logo
// compared byte for byte), the SMS through fake-sms, Viber through fake-viber, both over HTTP — and the short link
// followed through the app.
import { createRequire } from 'node:module';
import type { QRCode } from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSms, type FakeSms } from '../../../src/adapters/sms/fake-sms-server.js';
import { createHttpSmsSender } from '../../../src/adapters/sms/http-sms-sender.js';
import type { SmsSender } from '../../../src/adapters/sms/sms-sender.js';
import { startFakeViber, type FakeViber } from '../../../src/adapters/viber/fake-viber-server.js';
import { createHttpViberSender } from '../../../src/adapters/viber/http-viber-sender.js';
import type { ViberSender } from '../../../src/adapters/viber/viber-sender.js';
import { createSmtpEmailSender } from '../../../src/adapters/email/smtp-email-sender.js';
import type { EmailSender } from '../../../src/adapters/email/email-sender.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createNotifyProcessor, type NotifyProcessor } from '../../../src/workers/notify/receipts.processor.js';
import { viberReport } from '../../../src/workers/notify/viber.js';
import type { NotifyJobRef, NotifyOutcome } from '../../../src/workers/notify/notify-types.js';
import { asOperator, createOrganization, job, json, persist, receipt, startApi, type ApiHarness } from '../api/api-test-helpers.js';

// jsqr is CommonJS whose typings declare an ES default export: required, typed by its declaration.
const jsQR = createRequire(import.meta.url)('jsqr') as (data: Uint8ClampedArray, width: number, height: number) => QRCode | null;
const INN = withInnCheckDigits('770200177');
const OTHER_INN = withInnCheckDigits('770200178');
const FN = '9999078900077101';
const REG = '0000000000077101';
const PUBLIC = 'https://cabinet.ofd.test';
const PHONE = '+79161230001';
const NO_VIBER = '+79161230002';
const OFFLINE = '+79161230003';
const PRICE = 12345;
/** 2026-11-20 14:05:00 local wall clock, FFD-style (local time encoded as UTC seconds). */
const TIME = Date.UTC(2026, 10, 20, 14, 5, 0) / 1000;

const BRAND = {
  primaryColor: '#AA3300',
  accentColor: '#0a7d32',
  backgroundColor: '#fff8e7',
  headerText: 'Пекарня «Колос»\nс 1998 года',
  footerText: 'Ждём вас снова!',
  banners: [{ title: 'Скидка 10% по карте', text: 'До конца декабря', url: 'https://kolos.example/card?utm=receipt' }],
};

let h: ApiHarness;
let smsFake: FakeSms;
let viberFake: FakeViber;
let sms: SmsSender;
let viber: ViberSender;
let email: EmailSender;
let processor: NotifyProcessor;
let organizationId: number;
let otherOrganizationId: number;
let logo: Buffer;
let jobCounter = 0;

/** A 60×30 PNG, left half red, right half blue (pngjs, independent of the code under test). */
function makePng(width = 60, height = 30): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      png.data[i] = x < width / 2 ? 255 : 0;
      png.data[i + 1] = 0;
      png.data[i + 2] = x < width / 2 ? 0 : 255;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** The FNS QR string from the receipt's own fields (format: t=YYYYMMDDTHHMM&s=rub.kop&fn&i&fp&n). */
async function expectedQr(fd: number): Promise<string> {
  const d = await h.database.db.selectFrom('documents').select(['fiscal_sign']).where('fn', '=', FN).where('fd', '=', fd).executeTakeFirstOrThrow();
  return `t=20261120T1405&s=123.45&fn=${FN}&i=${fd}&fp=${d.fiscal_sign!}&n=1`;
}

async function storeReceipt(fd: number): Promise<void> {
  await persist(h.database, [job(FN, fd, 3, receipt({ fn: FN, fd, inn: INN, regId: REG, price: PRICE, time: TIME, itemName: 'Baton' }))]);
}

/**
 * One job run as BullMQ runs it: a `deferred` outcome (a Viber report to wait for) puts it back for delayMs with the
 * same attempt, then it runs again, until it settles.
 */
async function untilSettled(ref: NotifyJobRef, run: NotifyProcessor = processor): Promise<NotifyOutcome> {
  for (;;) {
    const outcome = await run(ref);
    if (outcome.kind !== 'deferred') return outcome;
    await new Promise((r) => setTimeout(r, outcome.delayMs));
  }
}

function run(fd: number, channel: 'email' | 'sms' | 'viber', recipient: string, attempt = 1) {
  jobCounter += 1;
  return untilSettled({ id: `t-${jobCounter}`, name: 'notify', data: { fn: FN, fd, channel, recipient }, attempt, maxAttempts: 3 });
}

async function smsBalance(): Promise<number> {
  const r = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${organizationId}/sms-balance`, headers: asOperator });
  return json<{ balance: number }>(r).balance;
}

async function deliveries(fd: number): Promise<Array<{ channel: string; status: string; lastErrorCode: string | null }>> {
  const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents/${FN}/${fd}/deliveries`, headers: asOperator });
  return json<{ items: Array<{ channel: string; status: string; lastErrorCode: string | null }> }>(r).items;
}

beforeAll(async () => {
  h = await startApi();
  smsFake = await startFakeSms();
  viberFake = await startFakeViber({ rules: { deliverAfterMs: 30, expireAfterMs: 200, noViber: [NO_VIBER], offline: [OFFLINE] } });
  sms = createHttpSmsSender({ url: smsFake.url, timeoutMs: 2000 });
  viber = createHttpViberSender({ url: viberFake.url, timeoutMs: 2000 });
  email = createSmtpEmailSender({ url: `smtp://127.0.0.1:${h.smtp.port}`, from: 'OFD <receipts@ofd.test>' });
  organizationId = await createOrganization(h, INN, 'ООО Колос');
  otherOrganizationId = await createOrganization(h, OTHER_INN, 'ООО Другая');
  processor = createNotifyProcessor({
    db: h.database.db,
    logger: silentLogger(),
    email,
    sms,
    viber,
    viberOptions: { statusPollMs: 20, deliveryWaitMs: 3000 },
    receiptPageUrl: PUBLIC,
  });
  logo = makePng();
  const top = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${organizationId}/sms-balance/top-ups`, headers: asOperator, payload: { amount: 10 } });
  expect(top.statusCode).toBe(200);
  // Branding reaches buyers only while the branded e-receipt service is paid (migration 0059): this organization bought it.
  const money = { method: 'POST' as const, url: `/api/v1/organizations/${organizationId}/operator-top-ups`, headers: asOperator };
  expect((await h.app.inject({ ...money, payload: { amount: 49_000, idempotencyKey: 'brand-top-up', comment: 'Оплата по счёту' } })).statusCode).toBe(201);
  const bought = await h.app.inject({
    method: 'POST',
    url: `/api/v1/organizations/${organizationId}/branded-receipts/purchases`,
    headers: asOperator,
    payload: { product: 'branded-1m', idempotencyKey: 'brand-1m-0001' },
  });
  expect(bought.statusCode).toBe(201);
});

afterAll(async () => {
  await email.close();
  await sms.close();
  await viber.close();
  await smsFake.close();
  await viberFake.close();
  await h.close();
});

describe('the e-receipt brand through the API', () => {
  it('starts as the default, refuses bad input naming the field, stores a valid brand and a checked logo', async () => {
    const url = `/api/v1/organizations/${organizationId}/receipt-brand`;
    const first = await h.app.inject({ method: 'GET', url, headers: asOperator });
    expect(json<{ custom: boolean; logo: unknown }>(first)).toMatchObject({ custom: false, logo: null });

    const bad = async (payload: unknown, path: string) => {
      const r = await h.app.inject({ method: 'PUT', url, headers: asOperator, payload: payload as Record<string, unknown> });
      expect(r.statusCode).toBe(400);
      const body = json<{ code: string; details: Array<{ path: string }> }>(r);
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.details.map((d) => d.path)).toContain(path);
    };
    await bad({ ...BRAND, primaryColor: 'red' }, 'body.primaryColor');
    await bad({ ...BRAND, banners: [BRAND.banners[0], BRAND.banners[0], BRAND.banners[0], BRAND.banners[0]] }, 'body.banners');
    await bad({ ...BRAND, banners: [{ title: 'x', url: 'javascript:alert(1)' }] }, 'body.banners.0.url');
    await bad({ ...BRAND, headerText: 'x'.repeat(201) }, 'body.headerText');
    await bad({ ...BRAND, surprise: true }, 'body');

    const put = await h.app.inject({ method: 'PUT', url, headers: asOperator, payload: BRAND });
    expect(put.statusCode).toBe(200);
    expect(json(put)).toMatchObject({ custom: true, primaryColor: '#aa3300', banners: BRAND.banners });

    const upload = (body: Buffer, type: string) => h.app.inject({ method: 'PUT', url: `${url}/logo`, headers: { ...asOperator, 'content-type': type }, payload: body });
    const mismatch = await upload(logo, 'image/jpeg');
    expect([mismatch.statusCode, json<{ details: Array<{ path: string; issue: string }> }>(mismatch).details[0]]).toEqual([400, expect.objectContaining({ path: 'body', issue: 'type_mismatch' })]);
    const notImage = await upload(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/png');
    expect(json<{ details: Array<{ issue: string }> }>(notImage).details[0]!.issue).toBe('invalid_format');
    const huge = await upload(Buffer.concat([makePng(), Buffer.alloc(300 * 1024)]), 'image/png');
    expect(json<{ details: Array<{ issue: string }> }>(huge).details[0]!.issue).toBe('too_big');
    const wide = await upload(makePng(1300, 10), 'image/png');
    expect(json<{ details: Array<{ issue: string }> }>(wide).details[0]!.issue).toBe('too_large_dimensions');
    const svgType = await upload(logo, 'image/svg+xml');
    expect(svgType.statusCode).toBe(415);

    const ok = await upload(logo, 'image/png');
    expect(ok.statusCode).toBe(200);
    expect(json(ok)).toMatchObject({ logo: { contentType: 'image/png', width: 60, height: 30, bytes: logo.length }, primaryColor: '#aa3300' });
    const back = await h.app.inject({ method: 'GET', url: `${url}/logo`, headers: asOperator });
    expect(back.headers['content-type']).toBe('image/png');
    expect(back.rawPayload.equals(logo)).toBe(true);
  });

  it('previews a draft on a sample receipt without saving it', async () => {
    const url = `/api/v1/organizations/${organizationId}/receipt-brand/preview`;
    const r = await h.app.inject({ method: 'POST', url, headers: asOperator, payload: { brand: { ...BRAND, primaryColor: '#123456', headerText: 'Черновик' } } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/html');
    expect(r.body).toContain('bgcolor="#123456"');
    expect(r.body).toContain('Черновик');
    expect(r.body).toContain(`src="data:image/png;base64,${logo.toString('base64')}"`);
    const bad = await h.app.inject({ method: 'POST', url, headers: asOperator, payload: { brand: { ...BRAND, accentColor: '#12345' } } });
    expect(json<{ details: Array<{ path: string }> }>(bad).details[0]!.path).toBe('body.brand.accentColor');
    const stored = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${organizationId}/receipt-brand`, headers: asOperator });
    expect(json(stored)).toMatchObject({ primaryColor: '#aa3300', headerText: BRAND.headerText });
  });
});

describe('a branded e-mail receipt', () => {
  it('arrives over SMTP in the brand, with the logo and a QR image that decodes to the receipt’s check string', async () => {
    await storeReceipt(1);
    const to = 'buyer-branded@example.test';
    expect(await run(1, 'email', to)).toEqual({ kind: 'done', status: 'delivered' });
    const mail = await h.smtp.next(to);
    const html = String(mail.html);
    const qr = await expectedQr(1);

    expect(html).toContain('bgcolor="#aa3300"');
    expect(html).toContain('bgcolor="#fff8e7"');
    expect(html).toContain('Пекарня «Колос»<br>с 1998 года');
    expect(html).toContain('Ждём вас снова!');
    expect(html).toContain('href="https://kolos.example/card?utm=receipt"');
    expect(html).toContain('Скидка 10% по карте');
    expect(html).toContain('123,45\u00a0₽');
    expect(html).toContain(`href="${PUBLIC}/check?${qr.replace(/&/g, '&amp;')}"`);
    // Text on #aa3300 and on the dark green #0a7d32 is white (their luminance is low).
    expect(html).toMatch(/color:#ffffff;line-height:20px" data-brand="header"/);
    expect(html).toMatch(/color:#ffffff;text-decoration:none">Скидка/);

    // Both images are inline parts (cid). mailparser resolves `cid:` links into data: URIs of the parts they name, so
    // the HTML's two <img> sources are exactly the parts the message carries.
    expect(mail.attachments.filter((a) => a.contentType === 'image/png' && a.cid && a.related)).toHaveLength(2);
    const sources = [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64'));
    expect(sources).toHaveLength(2);
    expect(sources[0]!.equals(logo)).toBe(true);
    const png = PNG.sync.read(sources[1]!);
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(decoded?.data).toBe(qr);

    expect(mail.text).toContain('Пекарня «Колос»');
    expect(mail.text).toContain('ИТОГ: 123,45\u00a0₽');
    expect(mail.text).toContain(`Проверка чека в ФНС: ${qr}`);
    expect(mail.text).toContain('Скидка 10% по карте — До конца декабря: https://kolos.example/card?utm=receipt');
  });

  it('shows the buyer’s receipt page in the same brand', async () => {
    const qr = await expectedQr(1);
    const r = await h.app.inject({ method: 'GET', url: `/check?${qr}` });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('bgcolor="#aa3300"');
    expect(r.body).toContain(`data-qr="${qr.replace(/&/g, '&amp;')}"`);
    expect(r.body).toContain('src="data:image/svg+xml;base64,');
    expect(r.body).toContain(logo.toString('base64'));
  });
});

describe('short links in SMS receipts', () => {
  let code: string;

  it('carries a short link on OFD_PUBLIC_URL that redirects to the receipt page and counts the opens', async () => {
    await storeReceipt(2);
    const before = await smsBalance();
    expect(await run(2, 'sms', PHONE)).toEqual({ kind: 'done', status: 'delivered' });
    const text = smsFake.messages.at(-1)!.text;
    const m = /^Чек ФД 2 на 123,45\u00a0₽: https:\/\/cabinet\.ofd\.test\/r\/([A-Za-z0-9]{12})$/.exec(text);
    expect(m, text).not.toBeNull();
    code = m![1]!;
    expect(await smsBalance()).toBe(before - 1);

    const go = await h.app.inject({ method: 'GET', url: `/r/${code}` });
    expect(go.statusCode).toBe(302);
    expect(go.headers.location).toBe(`${PUBLIC}/check?${await expectedQr(2)}`);
    const target = new URL(String(go.headers.location));
    const pageR = await h.app.inject({ method: 'GET', url: `${target.pathname}${target.search}` });
    expect(pageR.statusCode).toBe(200);
    expect(pageR.body).toContain('Пекарня «Колос»');
    await h.app.inject({ method: 'GET', url: `/r/${code}` });

    const list = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${organizationId}/short-links?fn=${FN}&fd=2`, headers: asOperator });
    expect(json<{ items: Array<{ code: string; opens: number; url: string }> }>(list).items).toEqual([
      expect.objectContaining({ code, opens: 2, url: `${PUBLIC}/r/${code}` }),
    ]);
  });

  it('reuses the link on a resend, refuses malformed codes with a typed 400, and answers 404 for unknown and 410 for expired or revoked links', async () => {
    expect(await processor({ id: 'resend', name: 'notify', data: { fn: FN, fd: 2, channel: 'sms', recipient: PHONE, resend: 1 }, attempt: 1, maxAttempts: 3 })).toMatchObject({ status: 'delivered' });
    expect(smsFake.messages.at(-1)!.text).toContain(`/r/${code}`);

    const malformed = await h.app.inject({ method: 'GET', url: '/r/abc' });
    expect(malformed.statusCode).toBe(400);
    expect(json<{ details: Array<{ path: string }> }>(malformed).details[0]!.path).toBe('params.code');
    expect((await h.app.inject({ method: 'GET', url: '/r/ZZZZZZZZZZZZ' })).statusCode).toBe(404);

    // Another organization cannot revoke it (not told apart from an unknown code).
    const foreign = await h.app.inject({ method: 'DELETE', url: `/api/v1/organizations/${otherOrganizationId}/short-links/${code}`, headers: asOperator });
    expect(foreign.statusCode).toBe(404);

    await h.database.db.updateTable('short_links' as never).set({ expires_at: new Date(Date.now() - 1000) } as never).where('code' as never, '=', code as never).execute();
    const expired = await h.app.inject({ method: 'GET', url: `/r/${code}` });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('Ссылка больше не действует');

    // A new send mints a new link (the old one is over); revoking it ends it at once.
    await storeReceipt(3);
    await run(3, 'sms', PHONE);
    const fresh = /\/r\/([A-Za-z0-9]{12})$/.exec(smsFake.messages.at(-1)!.text)![1]!;
    expect(fresh).not.toBe(code);
    const revoke = await h.app.inject({ method: 'DELETE', url: `/api/v1/organizations/${organizationId}/short-links/${fresh}`, headers: asOperator });
    expect(revoke.statusCode).toBe(200);
    expect(json<{ revokedAt: string | null }>(revoke).revokedAt).not.toBeNull();
    expect((await h.app.inject({ method: 'GET', url: `/r/${fresh}` })).statusCode).toBe(410);
  });
});

describe('Viber receipts', () => {
  it('delivers through the provider over HTTP with the short link as a button, charged like an SMS', async () => {
    await storeReceipt(4);
    const before = await smsBalance();
    const sent = smsFake.messages.length;
    expect(await run(4, 'viber', PHONE)).toEqual({ kind: 'done', status: 'delivered' });
    const m = viberFake.messages.at(-1)!;
    expect(m.to).toBe(PHONE);
    expect(m.text).toContain('123,45\u00a0₽');
    expect(m.button?.url).toMatch(/^https:\/\/cabinet\.ofd\.test\/r\/[A-Za-z0-9]{12}$/);
    expect(m.text).toContain(m.button!.url);
    expect(smsFake.messages).toHaveLength(sent);
    expect(await smsBalance()).toBe(before - 1);
    expect(await deliveries(4)).toEqual([expect.objectContaining({ channel: 'viber', status: 'delivered' })]);
  });

  it('falls back to SMS when the phone has no Viber or stays offline past the TTL, charging only the SMS', async () => {
    for (const [fd, phone, code] of [
      [5, NO_VIBER, 'VIBER_UNDELIVERED'],
      [6, OFFLINE, 'VIBER_EXPIRED'],
    ] as const) {
      await storeReceipt(fd);
      const before = await smsBalance();
      expect(await run(fd, 'viber', phone)).toEqual({ kind: 'done', status: 'delivered' });
      const smsMessage = smsFake.messages.at(-1)!;
      expect(smsMessage.to).toBe(phone);
      expect(smsMessage.text).toMatch(new RegExp(`^Чек ФД ${fd} на 123,45\u00a0₽: https://cabinet\\.ofd\\.test/r/[A-Za-z0-9]{12}$`));
      expect(await smsBalance()).toBe(before - 1);
      const d = await deliveries(fd);
      expect(d).toEqual([
        expect.objectContaining({ channel: 'sms', status: 'delivered' }),
        expect.objectContaining({ channel: 'viber', status: 'fallback_sms', lastErrorCode: code }),
      ]);
    }
  });

  it('falls back to SMS when the provider refuses the message for good, and retries when it is down', async () => {
    await storeReceipt(7);
    viberFake.failNext(1, 503);
    const retry = await run(7, 'viber', PHONE, 1);
    expect(retry.kind).toBe('retry');
    expect(await deliveries(7)).toEqual([expect.objectContaining({ channel: 'viber', status: 'retrying' })]);
    viberFake.failNext(1, 400);
    const sent = smsFake.messages.length;
    expect(await run(7, 'viber', PHONE, 2)).toEqual({ kind: 'done', status: 'delivered' });
    expect(smsFake.messages).toHaveLength(sent + 1);
    expect(await deliveries(7)).toEqual([
      expect.objectContaining({ channel: 'sms', status: 'delivered' }),
      expect.objectContaining({ channel: 'viber', status: 'fallback_sms', lastErrorCode: 'VIBER_REJECTED' }),
    ]);
  });

  it('carries the automatic receipts to a phone when the organization chose Viber first', async () => {
    const url = `/api/v1/organizations/${organizationId}/receipt-settings`;
    expect(json((await h.app.inject({ method: 'GET', url, headers: asOperator })))).toMatchObject({ phoneChannel: 'sms', updatedAt: null });
    const bad = await h.app.inject({ method: 'PUT', url, headers: asOperator, payload: { phoneChannel: 'telegram' } });
    expect([bad.statusCode, json<{ details: Array<{ path: string }> }>(bad).details[0]!.path]).toEqual([400, 'body.phoneChannel']);
    expect((await h.app.inject({ method: 'PUT', url, headers: asOperator, payload: { phoneChannel: 'viber' } })).statusCode).toBe(200);

    await storeReceipt(8);
    const viberBefore = viberFake.messages.length;
    // As the persist worker enqueues a receipt whose 1008 is a phone: channel sms, no resend.
    expect(await run(8, 'sms', PHONE)).toEqual({ kind: 'done', status: 'delivered' });
    expect(viberFake.messages).toHaveLength(viberBefore + 1);
    expect(await deliveries(8)).toEqual([expect.objectContaining({ channel: 'viber', status: 'delivered' })]);
    // A send asked by SMS through the API stays an SMS.
    const sent = smsFake.messages.length;
    expect(await processor({ id: 'asked-sms', name: 'notify', data: { fn: FN, fd: 8, channel: 'sms', recipient: PHONE, resend: 1 }, attempt: 1, maxAttempts: 3 })).toMatchObject({ status: 'delivered' });
    expect(smsFake.messages).toHaveLength(sent + 1);
    await h.app.inject({ method: 'PUT', url, headers: asOperator, payload: { phoneChannel: 'sms' } });
  });

  it('waits for the delivery report between runs, not inside one: sent and charged once, delivered on a later run', async () => {
    await storeReceipt(9);
    const before = await smsBalance();
    const sent = viberFake.messages.length;
    const ref: NotifyJobRef = { id: 'waits', name: 'notify', data: { fn: FN, fd: 9, channel: 'viber', recipient: PHONE }, attempt: 1, maxAttempts: 3 };
    // The first run sends and returns at once (the fake reports delivery 30 ms after the send): the job is put back.
    expect(await processor(ref)).toEqual({ kind: 'deferred', delayMs: 20, reason: 'waiting for the Viber delivery report' });
    expect(await deliveries(9)).toEqual([expect.objectContaining({ channel: 'viber', status: 'sending' })]);
    expect(await smsBalance()).toBe(before - 1);
    await new Promise((r) => setTimeout(r, 60));
    expect(await processor(ref)).toEqual({ kind: 'done', status: 'delivered' });
    expect(viberFake.messages).toHaveLength(sent + 1);
    expect(await smsBalance()).toBe(before - 1);
    expect(await deliveries(9)).toEqual([expect.objectContaining({ channel: 'viber', status: 'delivered' })]);
  });

  it('gives up when no report comes in time (the SMS then goes), and sends a message the provider never got', async () => {
    // The offline phone's message expires at the provider after 200 ms; this processor waits 100 ms only.
    const impatient = createNotifyProcessor({ db: h.database.db, logger: silentLogger(), sms, viber, viberOptions: { statusPollMs: 20, deliveryWaitMs: 100 }, receiptPageUrl: PUBLIC });
    await storeReceipt(10);
    const top = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${organizationId}/sms-balance/top-ups`, headers: asOperator, payload: { amount: 10 } });
    expect(top.statusCode).toBe(200);
    const before = await smsBalance();
    const started = Date.now();
    expect(await untilSettled({ id: 'impatient', name: 'notify', data: { fn: FN, fd: 10, channel: 'viber', recipient: OFFLINE }, attempt: 1, maxAttempts: 3 }, impatient)).toEqual({
      kind: 'done',
      status: 'delivered',
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await deliveries(10)).toEqual([
      expect.objectContaining({ channel: 'sms', status: 'delivered' }),
      expect.objectContaining({ channel: 'viber', status: 'fallback_sms', lastErrorCode: 'VIBER_NO_REPORT' }),
    ]);
    // The Viber message given back, the SMS charged.
    expect(await smsBalance()).toBe(before - 1);

    expect(await viberReport(viber, 'never-sent')).toEqual({ kind: 'unknown' });
    // A run that marked the send and died before the provider accepted it: the next run sends it (once) and waits.
    await storeReceipt(11);
    await h.database.db
      .insertInto('notify_deliveries')
      .values({ fn: FN, fd: 11, channel: 'viber', recipient: PHONE, organization_id: organizationId, status: 'sending', attempts: 1 })
      .execute();
    const sent = viberFake.messages.length;
    const beforeResend = await smsBalance();
    expect(await run(11, 'viber', PHONE)).toEqual({ kind: 'done', status: 'delivered' });
    expect(viberFake.messages).toHaveLength(sent + 1);
    expect(await smsBalance()).toBe(beforeResend - 1);
  });

  it('gives back the very charge the send made, though a failed run in between moved the attempt on', async () => {
    const slow = createNotifyProcessor({ db: h.database.db, logger: silentLogger(), sms, viber, viberOptions: { statusPollMs: 20, deliveryWaitMs: 3000 }, receiptPageUrl: PUBLIC });
    await storeReceipt(12);
    const before = await smsBalance();
    const data = { fn: FN, fd: 12, channel: 'viber', recipient: OFFLINE };
    expect(await slow({ id: 'moved', name: 'notify', data, attempt: 1, maxAttempts: 3 })).toMatchObject({ kind: 'deferred' });
    expect(await smsBalance()).toBe(before - 1);
    // A run failed (say PostgreSQL went away) and BullMQ runs the job again as attempt 2; the provider reports expired.
    await new Promise((r) => setTimeout(r, 250));
    expect(await untilSettled({ id: 'moved', name: 'notify', data, attempt: 2, maxAttempts: 3 }, slow)).toEqual({ kind: 'done', status: 'delivered' });
    expect(await deliveries(12)).toEqual([
      expect.objectContaining({ channel: 'sms', status: 'delivered' }),
      expect.objectContaining({ channel: 'viber', status: 'fallback_sms', lastErrorCode: 'VIBER_EXPIRED' }),
    ]);
    // The Viber message given back, the SMS charged: one unit in all.
    expect(await smsBalance()).toBe(before - 1);
  });

  it('keeps a waiting receipt on Viber when the organization switches to SMS, and leaves the row to a resend asked meanwhile', async () => {
    const url = `/api/v1/organizations/${organizationId}/receipt-settings`;
    expect((await h.app.inject({ method: 'PUT', url, headers: asOperator, payload: { phoneChannel: 'viber' } })).statusCode).toBe(200);
    const slow = createNotifyProcessor({ db: h.database.db, logger: silentLogger(), sms, viber, viberOptions: { statusPollMs: 20, deliveryWaitMs: 3000 }, receiptPageUrl: PUBLIC });
    try {
      await storeReceipt(13);
      const smsSent = smsFake.messages.length;
      const automatic: NotifyJobRef = { id: 'auto-13', name: 'notify', data: { fn: FN, fd: 13, channel: 'sms', recipient: PHONE }, attempt: 1, maxAttempts: 3 };
      expect(await slow(automatic)).toMatchObject({ kind: 'deferred' });
      expect((await h.app.inject({ method: 'PUT', url, headers: asOperator, payload: { phoneChannel: 'sms' } })).statusCode).toBe(200);
      expect(await untilSettled(automatic, slow)).toEqual({ kind: 'done', status: 'delivered' });
      expect(smsFake.messages).toHaveLength(smsSent);
      expect(await deliveries(13)).toEqual([expect.objectContaining({ channel: 'viber', status: 'delivered' })]);

      // A resend asked while the automatic job waits: the waiting job stops, the row stays the resend's.
      expect((await h.app.inject({ method: 'PUT', url, headers: asOperator, payload: { phoneChannel: 'viber' } })).statusCode).toBe(200);
      await storeReceipt(14);
      const waiting: NotifyJobRef = { id: 'auto-14', name: 'notify', data: { fn: FN, fd: 14, channel: 'sms', recipient: PHONE }, attempt: 1, maxAttempts: 3 };
      expect(await slow(waiting)).toMatchObject({ kind: 'deferred' });
      const asked = await h.app.inject({ method: 'POST', url: `/api/v1/documents/${FN}/14/deliveries`, headers: asOperator, payload: { channel: 'viber', recipient: PHONE } });
      expect(asked.statusCode).toBeLessThan(300);
      expect(await slow(waiting)).toEqual({ kind: 'done', status: 'skipped' });
      expect(await deliveries(14)).toEqual([expect.objectContaining({ channel: 'viber', status: 'pending' })]);

      // A run that recorded Viber's failure and died before the SMS: the job run again sends the SMS, once.
      await storeReceipt(15);
      await h.database.db
        .insertInto('notify_deliveries')
        .values({ fn: FN, fd: 15, channel: 'viber', recipient: PHONE, organization_id: organizationId, status: 'fallback_sms', attempts: 1, last_error_code: 'VIBER_UNDELIVERED' })
        .execute();
      const again: NotifyJobRef = { id: 'auto-15', name: 'notify', data: { fn: FN, fd: 15, channel: 'sms', recipient: PHONE }, attempt: 1, maxAttempts: 3 };
      expect(await slow(again)).toEqual({ kind: 'done', status: 'delivered' });
      expect(smsFake.messages.filter((m) => m.to === PHONE && m.text.startsWith('Чек ФД 15 '))).toHaveLength(1);
      expect(await slow(again)).toEqual({ kind: 'done', status: 'skipped' });
      expect(smsFake.messages.filter((m) => m.to === PHONE && m.text.startsWith('Чек ФД 15 '))).toHaveLength(1);

      // The same, but the job was given up for stalling while sending the SMS and parked (workers/notify/notify-stalled.ts:
      // the SMS row failed with JOB_STALLED): the replay of its letter sends the SMS, where a failed SMS is otherwise
      // settled.
      await storeReceipt(16);
      await h.database.db
        .insertInto('notify_deliveries')
        .values([
          { fn: FN, fd: 16, channel: 'viber', recipient: PHONE, organization_id: organizationId, status: 'fallback_sms', attempts: 1, last_error_code: 'VIBER_UNDELIVERED' },
          { fn: FN, fd: 16, channel: 'sms', recipient: PHONE, organization_id: organizationId, status: 'failed', attempts: 1, last_error_code: 'JOB_STALLED' },
        ])
        .execute();
      const replay: NotifyJobRef = { id: 'auto-16', name: 'notify', data: { fn: FN, fd: 16, channel: 'sms', recipient: PHONE }, attempt: 1, maxAttempts: 3 };
      expect(await slow(replay)).toEqual({ kind: 'done', status: 'delivered' });
      expect(smsFake.messages.filter((m) => m.to === PHONE && m.text.startsWith('Чек ФД 16 '))).toHaveLength(1);
      // A fallback SMS that failed for a reason of its own stays settled.
      await storeReceipt(17);
      await h.database.db
        .insertInto('notify_deliveries')
        .values([
          { fn: FN, fd: 17, channel: 'viber', recipient: PHONE, organization_id: organizationId, status: 'fallback_sms', attempts: 1, last_error_code: 'VIBER_UNDELIVERED' },
          { fn: FN, fd: 17, channel: 'sms', recipient: PHONE, organization_id: organizationId, status: 'failed', attempts: 3, last_error_code: 'SMS_REJECTED' },
        ])
        .execute();
      const settled: NotifyJobRef = { id: 'auto-17', name: 'notify', data: { fn: FN, fd: 17, channel: 'sms', recipient: PHONE }, attempt: 1, maxAttempts: 3 };
      expect(await slow(settled)).toEqual({ kind: 'done', status: 'skipped' });
    } finally {
      await h.app.inject({ method: 'PUT', url, headers: asOperator, payload: { phoneChannel: 'sms' } });
    }
  });

  it('is a channel of POST /deliveries, which wants a phone for it', async () => {
    const ok = await h.app.inject({ method: 'POST', url: `/api/v1/documents/${FN}/4/deliveries`, headers: asOperator, payload: { channel: 'viber', recipient: '8 916 123-00-01' } });
    expect(ok.statusCode).toBe(202);
    expect(json(ok)).toMatchObject({ channel: 'viber', status: 'pending' });
    const bad = await h.app.inject({ method: 'POST', url: `/api/v1/documents/${FN}/4/deliveries`, headers: asOperator, payload: { channel: 'viber', recipient: 'buyer@example.test' } });
    expect(bad.statusCode).toBe(400);
    expect(json<{ details: Array<{ path: string }> }>(bad).details[0]!.path).toBe('body.recipient');
    const unknown = await h.app.inject({ method: 'POST', url: `/api/v1/documents/${FN}/4/deliveries`, headers: asOperator, payload: { channel: 'telegram', recipient: PHONE } });
    expect(json<{ details: Array<{ path: string }> }>(unknown).details[0]!.path).toBe('body.channel');
  });
});
