// Self-service onboarding (issue 16) in a real browser (Debian's Chromium through playwright-core) against the whole
// process (gateway, worker, api; the built cabinet): a customer signs up, registers the organization accepting the
// offer, invites a colleague limited to one shop (the e-mail read from a real SMTP listener), the colleague joins from
// the link; the owner imports registers from xlsx (the error report first), a register client sends the registration
// report of one of them over TCP and it turns connected; the colleague sees only their shop's receipts. A failing step
// leaves a screenshot in test/e2e/onboarding-artifacts/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it, type TestContext } from 'vitest';
import { freePort } from '../support/redis-process.js';
import { loadConfig } from '../../src/config.js';
import { withInnCheckDigits } from '../../src/domain/inn.js';
import { start, type Running } from '../../src/main.js';
import { silentLogger } from '../../src/observability/logger.js';
import { receipt, startSmtpSink, type SmtpSink } from '../integration/api/api-test-helpers.js';
import { ogrnFor, registrationChildren, xlsxOf } from '../integration/api/onboarding-fixture.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../integration/queue/queue-test-helpers.js';
import { exchange, signedMessage } from '../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { CAN_RUN_CHROMIUM as CAN_RUN, keepFailureRecord, launchChromium, openBrowserTab } from './support/browser.js';

const ARTIFACTS = 'test/e2e/onboarding-artifacts';
const PASSWORD = 'Kassa-2026!';
const OWNER = 'olga.owner@example.test';
const COLLEAGUE = 'shop.manager@example.test';
const INN = withInnCheckDigits('771800001');
const REGS = [
  { serial: '0011223344551', fn: '9999078900710001', regId: '0000000071000001', place: 'Shop Tverskaya' },
  { serial: '0011223344552', fn: '9999078900710002', regId: '0000000071000002', place: 'Warehouse' },
] as const;
// The register client's helpers write ASCII (test/support/kkt.ts); the receipts carry this address (1009).
const ADDRESS = 'Moscow, Tverskaya 1';

let database: TestDatabase;
let smtp: SmtpSink;
let running: Running;
let prefix: string;
let browser: Browser;
let base: string;
let owner: { context: BrowserContext; page: Page };
let colleague: { context: BrowserContext; page: Page };

async function tab(): Promise<{ context: BrowserContext; page: Page }> {
  return openBrowserTab(browser, { baseURL: base, stepTimeoutMs: 20_000 });
}

function shotOnFailure(ctx: TestContext, page: () => Page): void {
  keepFailureRecord(ctx, page, ARTIFACTS);
}

async function signUpAndIn(page: Page, email: string, name: string): Promise<void> {
  await page.goto('/sign-up');
  await page.getByLabel('Имя и фамилия').fill(name);
  await page.getByLabel('Телефон').fill('+7 912 345-67-89');
  await page.getByLabel('Электронная почта').fill(email);
  await page.getByLabel('Пароль', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Пароль ещё раз').fill(PASSWORD);
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Зарегистрироваться' }).click();
  await page.getByText('Учётная запись создана').waitFor();
  const mail = await smtp.next(email, 20_000);
  const link = /https?:\/\/\S+\/confirm-email\?token=[\w-]+/.exec(mail.text ?? '')![0];
  await page.goto(new URL(link).pathname + new URL(link).search);
  await page.getByText('Адрес подтверждён').waitFor();
  await page.goto('/sign-in');
  await page.getByLabel('Электронная почта').fill(email);
  await page.getByLabel('Пароль').fill(PASSWORD);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

/** An antd Select: open it by its label, pick the option. */
async function choose(page: Page, label: string, option: string): Promise<void> {
  await page.getByLabel(label).click();
  await page.locator('.ant-select-item-option').filter({ hasText: option }).first().click();
}

// A loaded machine: first paints and lazy chunks take seconds.
describe.skipIf(!CAN_RUN)('self-service onboarding in Chromium', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    if (!existsSync('dist/cabinet/index.html')) execFileSync('npm', ['run', 'build:cabinet'], { stdio: 'inherit' });
    mkdirSync(ARTIFACTS, { recursive: true });
    database = await createTestDatabase({ migrate: false });
    smtp = await startSmtpSink();
    prefix = uniquePrefix('e2e-onboarding');
    // A known port: OFD_PUBLIC_URL, the only origin of e-mailed links (never the Host header), must name it.
    const httpPort = await freePort();
    running = await start(
      loadConfig({
        DATABASE_URL: database.url,
        REDIS_URL: inject('redisUrl'),
        OFD_QUEUE_PREFIX: prefix,
        OFD_ROLES: 'gateway,worker,api',
        OFD_HOST: '127.0.0.1',
        OFD_GATEWAY_PORT: '0',
        OFD_MARKING_PORT: '0',
        OFD_HTTP_PORT: String(httpPort),
        OFD_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
    // Every journey signs in from 127.0.0.1: a whole file of them is more than a minute's share of one address.
    OFD_AUTH_REQUESTS_PER_MINUTE: '1000',
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        OFD_GATEWAY_PUBLIC_ADDRESS: 'gate.ofd.example:4000',
      }),
      silentLogger(),
    );
    base = `http://127.0.0.1:${running.httpPort}`;
    browser = await launchChromium();
    owner = await tab();
    colleague = await tab();
  }, 300_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await running?.close();
    await smtp?.close();
    await database?.drop();
    await deleteKeysWithPrefix(inject('redisUrl'), prefix);
  });

  it('signs up and registers the organization, accepting the offer; a mistyped OGRN is shown on its field', async (ctx) => {
    shotOnFailure(ctx, () => owner.page);
    const { page } = owner;
    await signUpAndIn(page, OWNER, 'Ольга Владелица');
    await page.goto('/onboarding/organization');
    await page.getByLabel('ИНН').fill(INN);
    await page.getByLabel('Полное наименование').fill('ООО «Ромашка»');
    await page.getByLabel('КПП').fill('771801001');
    const ogrn = ogrnFor('102770000001');
    await page.getByLabel('ОГРН').fill(`${ogrn.slice(0, 12)}${(Number(ogrn[12]) + 1) % 10}`);
    await page.getByLabel('ФИО руководителя').fill('Иванова Ольга Петровна');
    await page.getByLabel('Юридический адрес').fill('123456, г. Москва, ул. Тверская, д. 1');
    await page.getByLabel('Принимаю оферту от имени организации').check();
    await page.getByRole('button', { name: 'Зарегистрировать организацию' }).click();
    await page.getByText(/Проверьте значение: expected an OGRN/).waitFor();
    await page.getByLabel('ОГРН').fill(ogrn);
    await page.getByRole('button', { name: 'Зарегистрировать организацию' }).click();
    await page.waitForURL('**/onboarding/registers?organizationId=*');
    await page.getByRole('heading', { name: 'Кассы к подключению' }).waitFor();

    await page.goto('/connection');
    await page.getByText('gate.ofd.example').first().waitFor();
    await page.getByText('Что нужно для старта').waitFor();
    await page.getByText('Квалифицированная электронная подпись').waitFor();
  });

  it('invites a colleague limited to one shop; the colleague joins from the e-mailed link', async (ctx) => {
    shotOnFailure(ctx, () => colleague.page);
    const { page } = owner;
    // The shop, until the Торговые точки screen has its form: through the API, in the owner's own session.
    const created = await page.evaluate(async ({ address, place }) => {
      const s = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const orgs = (await (await fetch('/api/v1/organizations')).json()) as { items: Array<{ id: number }> };
      const r = await fetch('/api/v1/outlets', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
        body: JSON.stringify({ organizationId: orgs.items[0]!.id, address, place }),
      });
      return r.status;
    }, { address: ADDRESS, place: REGS[0].place });
    expect(created).toBe(201);

    await page.goto('/team');
    await page.getByLabel('Электронная почта сотрудника').fill(COLLEAGUE);
    await choose(page, 'Роль', 'Наблюдатель');
    await choose(page, 'Только торговые точки', REGS[0].place);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Пригласить' }).click();
    await page.getByText(`Приглашение отправлено на ${COLLEAGUE}`).waitFor();
    await page.getByRole('cell', { name: COLLEAGUE }).waitFor();

    const mail = await smtp.next(COLLEAGUE, 20_000);
    const link = /https?:\/\/\S+(\/invitations\/[\w-]{43})/.exec(mail.text ?? '')![1]!;
    const c = colleague.page;
    await c.goto(link);
    await c.getByText('ООО «Ромашка»').waitFor();
    await c.getByRole('button', { name: 'Зарегистрироваться' }).waitFor();
    await signUpAndIn(c, COLLEAGUE, 'Сергей Управляющий');
    await c.goto(link);
    await c.getByRole('button', { name: 'Присоединиться' }).click();
    await c.waitForURL((u) => u.pathname === '/');

    await page.goto('/team');
    await page.getByRole('cell', { name: COLLEAGUE }).first().waitFor();
    await page.getByText('Принято').waitFor();
  });

  it('imports registers from xlsx: the template, the error report by row and column, then the import', async (ctx) => {
    shotOnFailure(ctx, () => owner.page);
    const { page } = owner;
    await page.goto('/onboarding/registers');
    await page.getByRole('tab', { name: 'Загрузить из Excel' }).click();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'шаблон Excel' }).click();
    expect((await download).suggestedFilename()).toBe('registers-template.xlsx');

    const bad = await xlsxOf([[REGS[0].serial, REGS[0].fn, null], [REGS[1].serial, '99990789', null]]);
    await page.locator('input[type=file]').setInputFiles({ name: 'kassy.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: bad });
    await page.getByRole('button', { name: 'Загрузить', exact: true }).click();
    await page.getByText(/Файл не загружен: ошибок 1/).waitFor();
    const errors = page.getByRole('table').last();
    await errors.getByRole('cell', { name: '3', exact: true }).waitFor();
    await errors.getByRole('cell', { name: 'B', exact: true }).waitFor();

    const good = await xlsxOf(REGS.map((r) => [r.serial, r.fn, null]));
    await page.locator('input[type=file]').setInputFiles({ name: 'kassy.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: good });
    await page.getByRole('button', { name: 'Загрузить', exact: true }).click();
    await page.getByText(/загружено касс: 2/).waitFor();
    await page.getByRole('tab', { name: 'Кассы' }).click();
    await page.getByRole('cell', { name: REGS[0].serial }).waitFor();
    expect(await page.locator('[data-lifecycle="added"]').count()).toBe(2);
  });

  it('the registration report arrives through the gateway and the register turns connected; the colleague sees only their shop', async (ctx) => {
    shotOnFailure(ctx, () => owner.page);
    const [first, second] = REGS;
    for (const m of [
      signedMessage({ fn: first.fn, fd: 1, form: 1, children: registrationChildren({ fn: first.fn, fd: 1, inn: INN, regId: first.regId, serial: first.serial, address: ADDRESS, place: first.place }) }),
      signedMessage({ fn: first.fn, fd: 2, children: receipt({ fn: first.fn, fd: 2, inn: INN, regId: first.regId, place: first.place, itemName: 'Хлеб' }) }),
      signedMessage({ fn: second.fn, fd: 1, children: receipt({ fn: second.fn, fd: 1, inn: INN, regId: second.regId, place: second.place, itemName: 'Сыр' }) }),
    ]) {
      await exchange(running.gatewayPort!, m);
    }
    const { page } = owner;
    for (let i = 0; i < 60; i++) {
      await page.reload();
      await page.getByRole('cell', { name: first.serial }).waitFor();
      if ((await page.locator('[data-lifecycle="connected"]').count()) === 1) break;
      await page.waitForTimeout(500);
    }
    expect(await page.locator('[data-lifecycle="connected"]').count()).toBe(1);
    await page.getByRole('cell', { name: first.regId }).waitFor();

    const c = colleague.page;
    await c.goto('/receipts');
    await c.getByText(`РН ${first.regId}`).first().waitFor();
    expect(await c.getByText(`РН ${second.regId}`).count()).toBe(0);
    await page.goto('/receipts');
    await page.getByText(`РН ${second.regId}`).first().waitFor();
    await page.goto('/audit-log');
    await page.getByText('Кассы загружены из файла').first().waitFor();
    await page.getByText('Приглашение принято').waitFor();
  });
});
