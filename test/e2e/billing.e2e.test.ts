// Billing in the cabinet (issue 17) in a real browser (Debian's Chromium through playwright-core) against the whole
// process (`start`, real PostgreSQL and Redis, the built cabinet) and a real `ofd fake-pay` started as its own process
// over HTTP: the expiry banner; a card top-up through the provider's page and back, and a declined one; a tariff for a
// register with its paid-until day shown before paying and after; the shortfall for two; an SMS package from the
// Маркет; an invoice's PDF read with pdftotext, and the month's act; the balance page on a 375 px phone. Expected
// amounts and dates are worked out here from the catalogue's prices, never read back from the code under test.
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it, type TestContext } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { start, type Running } from '../../src/main.js';
import { silentLogger } from '../../src/observability/logger.js';
import { ADMIN_TOKEN, startSmtpSink, type SmtpSink } from '../integration/api/api-test-helpers.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../integration/queue/queue-test-helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { freePort } from '../support/redis-process.js';
import { ensureCabinetBuilt } from './cabinet/world.js';
import { CAN_RUN_CHROMIUM as CAN_RUN, keepFailureRecord, launchChromium, openBrowserTab } from './support/browser.js';

const ARTIFACTS = 'test/e2e/billing-artifacts';
const HAS_PDFTOTEXT = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const EMAIL = 'boris.buh@example.test';
const PASSWORD = 'Kassa-2026!';
const SECRET = 'fake-pay-secret-0123456789';
const INN = '7707083893';
const ORG_NAME = 'ООО «Платящий клиент»';
const RNS = ['0000000017000001', '0000000017000002'];
const NB = '\u00a0';
const POLL = { timeout: 20_000, interval: 200 };

// The catalogue of migrations 0036 and 0038, in kopecks.
const TARIFF_12M = 300000;
const SMS_250 = 24900;
const TOP_UP = 500000;
const INVOICE = 1234567;

let database: TestDatabase;
let smtp: SmtpSink;
let running: Running;
let fakePay: ChildProcess;
let prefix: string;
let browser: Browser;
let page: Page;
let base: string;
let organizationId: number;
const registerIds: number[] = [];

function rubles(kopecks: number): string {
  return `${String(Math.trunc(kopecks / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, NB)},${String(kopecks % 100).padStart(2, '0')}${NB}₽`;
}

/** Moscow's calendar day `offset` days from now, YYYY-MM-DD (Moscow is UTC+3 all year). */
function moscowDay(offset = 0): string {
  return new Date(Date.now() + 3 * 3_600_000 + offset * 86_400_000).toISOString().slice(0, 10);
}

/** The last day of a term of `months` starting on `start`: the day before the same date `months` later (clamped). */
function termEnd(start: string, months: number): string {
  const [y, m, d] = start.split('-').map(Number) as [number, number, number];
  const targetMonth = m - 1 + months;
  const daysInTarget = new Date(Date.UTC(y, targetMonth + 1, 0)).getUTCDate();
  const same = Date.UTC(y, targetMonth, Math.min(d, daysInTarget));
  return new Date(same - 86_400_000).toISOString().slice(0, 10);
}

const ddmmyyyy = (day: string) => `${day.slice(8, 10)}.${day.slice(5, 7)}.${day.slice(0, 4)}`;

async function operator<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, json: (r.status === 204 ? {} : await r.json()) as T };
}

async function balance(): Promise<{ balance: number; sms: number }> {
  return (await operator<{ balance: number; sms: number }>('GET', `/api/v1/organizations/${organizationId}/balance`)).json;
}

async function startFakePayProcess(port: number, webhookUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ofd.ts', 'fake-pay', '--port', String(port), '--secret', SECRET, '--webhook-url', webhookUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ofd fake-pay exited ${child.exitCode}: ${output}`);
    const up = await fetch(`http://127.0.0.1:${port}/_control/events`).then((r) => r.ok, () => false);
    if (up) return child;
    if (Date.now() - started > 60_000) throw new Error(`ofd fake-pay did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function signUp(): Promise<void> {
  const r = await fetch(`${base}/api/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: EMAIL, password: PASSWORD, acceptOffer: true }) });
  if (r.status !== 201) throw new Error(`signup ${r.status}: ${await r.text()}`);
  const mail = await smtp.next(EMAIL, 15_000);
  const token = /confirm-email\?token=([\w-]+)/.exec(mail.text ?? '')?.[1];
  if (!token) throw new Error('no confirmation link');
  const c = await fetch(`${base}/api/v1/auth/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  if (c.status !== 200) throw new Error(`confirm ${c.status}`);
  const m = await operator('POST', `/api/v1/organizations/${organizationId}/members`, { email: EMAIL, role: 'accountant' });
  if (m.status >= 300) throw new Error(`member ${m.status}`);
}

function pdfText(bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'billing-e2e-'));
  try {
    execFileSync('sh', ['-c', `cat > "${join(dir, 'doc.pdf')}"`], { input: bytes });
    return execFileSync('pdftotext', ['-layout', join(dir, 'doc.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function download(click: () => Promise<void>): Promise<Buffer> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await d.path();
  return execFileSync('cat', [path]);
}

function shotOnFailure(ctx: TestContext): void {
  keepFailureRecord(ctx, () => page, ARTIFACTS);
}

describe.skipIf(!CAN_RUN)('billing in the cabinet (Chromium, ofd fake-pay)', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    ensureCabinetBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    database = await createTestDatabase({ migrate: false });
    prefix = uniquePrefix('e2e-billing');
    smtp = await startSmtpSink();
    const [httpPort, payPort] = [await freePort(), await freePort()];
    fakePay = await startFakePayProcess(payPort, `http://127.0.0.1:${httpPort}/api/v1/billing/card-webhook`);
    const config = loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      OFD_QUEUE_PREFIX: prefix,
      OFD_HOST: '127.0.0.1',
      OFD_GATEWAY_PORT: '0',
      OFD_MARKING_PORT: '0',
      OFD_HTTP_PORT: String(httpPort),
      OFD_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
      OFD_AUTH_REQUESTS_PER_MINUTE: '1000',
      OFD_ADMIN_TOKEN: ADMIN_TOKEN,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      OFD_PAY_URL: `http://127.0.0.1:${payPort}`,
      OFD_PAY_SECRET: SECRET,
    });
    running = await start(config, silentLogger());
    base = `http://127.0.0.1:${running.httpPort}`;
    const org = await operator<{ id: number }>('POST', '/api/v1/organizations', { inn: INN, name: ORG_NAME });
    organizationId = org.json.id;
    for (const rn of RNS) {
      const r = await operator<{ id: number }>('POST', '/api/v1/registers', { organizationId, registrationNumber: rn });
      if (r.status !== 201) throw new Error(`register ${r.status}`);
      registerIds.push(r.json.id);
    }
    // The second register's service (granted by the operator) ends in 5 days: the banner's 7-day threshold.
    expect((await operator('PUT', `/api/v1/registers/${registerIds[1]}/ofd-service`, { until: moscowDay(5) })).status).toBe(200);
    await signUp();
    browser = await launchChromium();
    ({ page } = await openBrowserTab(browser, { baseURL: base, stepTimeoutMs: 20_000 }));
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await running?.close();
    fakePay?.kill('SIGTERM');
    await smtp?.close();
    await database?.drop();
    if (prefix) await deleteKeysWithPrefix(inject('redisUrl'), prefix);
  });

  it('warns in the shell about a register whose paid service ends within 7 days, and links to the renewal', async (ctx) => {
    shotOnFailure(ctx);
    await page.goto('/sign-in');
    await page.getByLabel('Электронная почта').fill(EMAIL);
    await page.getByLabel('Пароль').fill(PASSWORD);
    await page.getByRole('button', { name: 'Войти', exact: true }).click();
    const banner = page.getByText('Заканчивается оплаченное обслуживание касс в ОФД');
    await banner.waitFor();
    await page.getByText(`РН ${RNS[1]}: до ${ddmmyyyy(moscowDay(5))}, осталось 5 дней`).waitFor();
    expect(await page.getByText(`РН ${RNS[0]}:`).count()).toBe(0);
    await page.getByRole('button', { name: 'Продлить', exact: true }).click();
    await page.waitForURL(/\/billing\/tariffs\?/);
    await expect.poll(() => page.getByRole('checkbox', { name: `Выбрать кассу РН ${RNS[1]}` }).isChecked(), POLL).toBe(true);
    expect(await page.getByRole('checkbox', { name: `Выбрать кассу РН ${RNS[0]}` }).isChecked()).toBe(false);
  });

  it('tops up by card on the provider’s page and comes back to the outcome; a declined card charges nothing', async (ctx) => {
    shotOnFailure(ctx);
    await page.goto(`/billing?organizationId=${organizationId}`);
    await page.getByRole('heading', { name: 'Баланс и оплата' }).waitFor();
    await page.getByText(rubles(0)).first().waitFor();
    await page.getByLabel('Сумма пополнения, ₽').fill('5 000');
    await page.getByRole('button', { name: 'Оплатить картой', exact: true }).click();
    await page.waitForURL(/\/pay\//);
    await page.getByRole('heading', { name: 'Оплата 5000.00 ₽' }).waitFor();
    await page.getByRole('button', { name: 'Оплатить', exact: true }).click();
    await page.waitForURL(/\/billing\?/);
    await page.getByText(`Оплата прошла: баланс пополнен на ${rubles(TOP_UP)}`).waitFor();
    await page.getByText(rubles(TOP_UP)).first().waitFor();
    await page.getByRole('cell', { name: 'Пополнение картой' }).waitFor();
    await page.getByRole('cell', { name: `+${rubles(TOP_UP)}` }).waitFor();
    expect((await balance()).balance).toBe(TOP_UP);

    await page.getByLabel('Сумма пополнения, ₽').fill('700');
    await page.getByRole('button', { name: 'Оплатить картой', exact: true }).click();
    await page.waitForURL(/\/pay\//);
    await page.getByRole('button', { name: 'Отклонить', exact: true }).click();
    await page.waitForURL(/\/billing\?/);
    await page.getByText('Платёж отклонён, деньги не списаны').waitFor();
    expect((await balance()).balance).toBe(TOP_UP);
  });

  it('pays a tariff for a register: the paid-until day before paying, the shortfall for two, the day after paying', async (ctx) => {
    shotOnFailure(ctx);
    await page.goto(`/billing/tariffs?organizationId=${organizationId}`);
    await page.getByText('ОФД на 12 месяцев', { exact: true }).click();
    expect(await page.getByRole('radio', { name: /ОФД на 12 месяцев/ }).isChecked()).toBe(true);
    await page.getByRole('checkbox', { name: `Выбрать кассу РН ${RNS[0]}` }).check();
    await page.getByRole('checkbox', { name: `Выбрать кассу РН ${RNS[1]}` }).check();
    // Nothing paid on the first: from today. The second is served up to day +5: the new term follows it.
    const firstEnd = termEnd(moscowDay(0), 12);
    const secondEnd = termEnd(moscowDay(6), 12);
    await page.getByText(`оплачено до ${ddmmyyyy(firstEnd)}`).waitFor();
    await page.getByText(`оплачено до ${ddmmyyyy(secondEnd)}`).waitFor();
    await page.getByText(`Не хватает ${rubles(2 * TARIFF_12M - TOP_UP)}`).waitFor();
    expect(await page.getByRole('button', { name: `Оплатить ${rubles(2 * TARIFF_12M)}` }).isDisabled()).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/screen-tariffs-shortfall.png`, fullPage: true });

    await page.getByRole('checkbox', { name: `Выбрать кассу РН ${RNS[0]}` }).uncheck();
    await page.getByText(`после оплаты останется ${rubles(TOP_UP - TARIFF_12M)}`).waitFor();
    await page.getByRole('button', { name: `Оплатить ${rubles(TARIFF_12M)}` }).click();
    await page.getByText(`РН ${RNS[1]}: обслуживание оплачено до ${ddmmyyyy(secondEnd)}`).waitFor();
    const reg = await operator<{ ofdService: { until: string } }>('GET', `/api/v1/registers/${registerIds[1]}`);
    expect(reg.json.ofdService.until).toBe(secondEnd);
    expect((await balance()).balance).toBe(TOP_UP - TARIFF_12M);
    // The register's row shows the new day; the shell's banner is gone (more than 30 days left now).
    await page.getByText(`До ${ddmmyyyy(secondEnd)}`, { exact: true }).waitFor();
    await page.goto('/registers');
    await page.getByRole('heading', { name: 'Кассы' }).waitFor();
    expect(await page.getByText('Заканчивается оплаченное обслуживание касс в ОФД').count()).toBe(0);
  });

  it('buys an SMS package in the Маркет: the balance is debited and the SMS arrive', async (ctx) => {
    shotOnFailure(ctx);
    await page.goto(`/market?organizationId=${organizationId}`);
    await page.getByRole('button', { name: 'Купить «Пакет 250 SMS»' }).click();
    await page.getByRole('button', { name: `Оплатить ${rubles(SMS_250)}` }).click();
    const left = TOP_UP - TARIFF_12M - SMS_250;
    await page.getByText(`Куплено: Пакет 250 SMS. SMS в пакетах: 250, на балансе ${rubles(left)}.`).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/screen-market.png`, fullPage: true });
    expect(await balance()).toMatchObject({ balance: left, sms: 250 });
    // The history for a period (in the URL): last year's January had no movements, this month has the package.
    await page.goto(`/billing?organizationId=${organizationId}&from=2025-01-01&to=2025-01-31`);
    await page.getByText('За этот период движений нет').waitFor();
    await page.goto(`/billing?organizationId=${organizationId}&from=${moscowDay(0).slice(0, 8)}01`);
    await page.getByRole('cell', { name: 'Покупка пакета SMS' }).waitFor();
  });

  it.skipIf(!HAS_PDFTOTEXT)('issues an invoice and downloads its PDF; the month’s act lists what was charged', async (ctx) => {
    shotOnFailure(ctx);
    await page.goto(`/billing/documents?organizationId=${organizationId}`);
    await page.getByLabel('Сумма пополнения, ₽').fill('12 345,67');
    await page.getByRole('button', { name: 'Выставить счёт', exact: true }).click();
    const issued = page.getByText(new RegExp(`Счёт № (\\S+) на ${rubles(INVOICE)} выставлен`));
    await issued.waitFor();
    const number = /Счёт № (\S+) на/.exec((await issued.textContent()) ?? '')![1]!;
    const invoicePdf = pdfText(await download(() => page.getByRole('button', { name: 'Скачать счёт (PDF)' }).click()));
    expect(invoicePdf).toContain(`Счёт на оплату № ${number}`);
    expect(invoicePdf).toContain(`${ORG_NAME}, ИНН ${INN}`);
    expect(invoicePdf).toContain(`Итого к оплате: ${rubles(INVOICE).replace(/\u00a0/g, ' ')}`);

    await page.getByRole('cell', { name: `Счёт № ${number}`, exact: true }).waitFor();
    await page.getByText('Ожидает оплаты').first().waitFor();
    const act = page.getByRole('cell', { name: /^Акт № / });
    await act.waitFor();
    const actPdf = pdfText(await download(() => page.getByRole('link', { name: /^Скачать акт/ }).first().click()));
    expect(actPdf).toContain('Акт оказанных услуг №');
    expect(actPdf).toContain(`Итого: ${rubles(TARIFF_12M + SMS_250).replace(/\u00a0/g, ' ')}`);
  });

  it('fits a 375 px phone: the billing pages scroll only vertically', async (ctx) => {
    shotOnFailure(ctx);
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`/billing?organizationId=${organizationId}`);
    await page.getByRole('heading', { name: 'Баланс и оплата' }).waitFor();
    await page.getByRole('cell', { name: 'Покупка пакета SMS' }).waitFor();
    await expect.poll(() => page.evaluate<number>('document.documentElement.scrollWidth'), POLL).toBeLessThanOrEqual(375);
    await page.screenshot({ path: `${ARTIFACTS}/screen-billing-phone.png`, fullPage: true });
    for (const [path, heading] of [
      ['/billing/tariffs', 'Тарифы касс'],
      ['/billing/documents', 'Документы'],
      ['/market', 'Маркет'],
    ] as const) {
      await page.goto(`${path}?organizationId=${organizationId}`);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page.waitForLoadState('networkidle');
      await expect.poll(() => page.evaluate<number>('document.documentElement.scrollWidth'), POLL).toBeLessThanOrEqual(375);
      await page.screenshot({ path: `${ARTIFACTS}/screen-${path.replace(/\//g, '-').slice(1)}-phone.png`, fullPage: true });
    }
  });
});
