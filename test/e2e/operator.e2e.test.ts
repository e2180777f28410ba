// The operator's area in a real browser (Debian's Chromium through playwright-core) against the whole app: a member
// of the operator's staff (OFD_OPERATOR_EMAILS) signs up like anyone, finds «Оператор» in the menu, creates a tariff
// with a promotion (a taken code is refused on its field), withdraws it to the archive, and imports a 1C bank
// statement written here in Windows-1251 that pays a customer's invoice by its number — the balance and the invoice
// are then read back through the API; it finds a customer's organization and credits 100 ₽ by hand (once, though
// double-clicked); a customer sees no such menu and «Нет доступа» at the URL; a 375 px phone.
// A failing step leaves a screenshot in test/e2e/cabinet-artifacts/.
import { existsSync } from 'node:fs';
import iconv from 'iconv-lite';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ARTIFACTS, CHROMIUM, openTab, startWorld, type Tab, type World } from './cabinet/world.js';
import { keepFailureRecord } from './support/browser.js';

const CAN_RUN = existsSync(CHROMIUM) || process.env.CI !== undefined;
const STAFF = 'olga.staff@ofd.example.test';
const CUSTOMER = 'petr.customer@shop.example.test';
const PASSWORD = 'Kassa-2026!';
const POLL = { timeout: 15_000, interval: 100 };
const NB = '\u00a0';
const ACCOUNT = '40702810900000054321';
const REQUISITES = {
  name: 'ООО «ОФД для проверки»',
  inn: '7704211201',
  kpp: '770401001',
  address: 'г. Москва, ул. Проверочная, д. 2',
  bank: 'АО «Банк проверки»',
  bik: '044525974',
  account: ACCOUNT,
  correspondentAccount: '30101810145250000974',
};
const INVOICE_AMOUNT = 432_109;

let world: World;
let tab: Tab;
let invoiceNumber: string;

function shotOnFailure(ctx: TestContext, page: () => Page): void {
  keepFailureRecord(ctx, page, ARTIFACTS, 'operator-');
}

/** Kopecks as Russian money, written here and not taken from the cabinet's formatter. */
function rubles(kopecks: number): string {
  return `${String(Math.trunc(kopecks / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, NB)},${String(kopecks % 100).padStart(2, '0')}${NB}₽`;
}

/** Today in Moscow, `YYYY-MM-DD`, shifted by `days`. */
function moscowDay(days = 0): string {
  return new Date(Date.now() + 3 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

async function signUp(email: string): Promise<void> {
  const r = await fetch(`${world.base}/api/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD, acceptOffer: true }) });
  expect(r.status).toBe(201);
  const mail = await world.smtp.next(email, 20_000);
  const token = /confirm-email\?token=([\w-]+)/.exec(mail.text ?? '')![1]!;
  const confirmed = await fetch(`${world.base}/api/v1/auth/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  expect(confirmed.status).toBe(200);
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Электронная почта').fill(email);
  await page.getByLabel('Пароль').fill(PASSWORD);
  await page.getByLabel('Пароль').press('Enter');
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

/** A bank's 1C export as banks write it (CRLF, Windows-1251): one payment naming the invoice, one naming none. */
function statement1C(invoice: string): Buffer {
  const doc = (number: string, rublesText: string, payerInn: string, payer: string, purpose: string) => [
    'СекцияДокумент=Платежное поручение',
    `Номер=${number}`,
    `Дата=${moscowDay().split('-').reverse().join('.')}`,
    `Сумма=${rublesText}`,
    `ПлательщикИНН=${payerInn}`,
    `Плательщик1=${payer}`,
    `ПолучательСчет=${ACCOUNT}`,
    `НазначениеПлатежа=${purpose}`,
    'КонецДокумента',
  ];
  const text = [
    '1CClientBankExchange',
    'ВерсияФормата=1.03',
    'Кодировка=Windows',
    'Отправитель=Бухгалтерия',
    'СекцияРасчСчет',
    `РасчСчет=${ACCOUNT}`,
    'КонецРасчСчет',
    ...doc('3101', '4321.09', world.a.inn, 'ООО «Покупатель А»', `Оплата по счёту № ${invoice} за услуги ОФД. НДС не облагается`),
    ...doc('3102', '750.00', '7700000000', 'ИП Неизвестный', 'Оплата услуг по договору'),
    'КонецФайла',
  ].join('\r\n');
  return iconv.encode(text, 'win1251');
}

describe.skipIf(!CAN_RUN)('the operator’s area in Chromium', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    world = await startWorld({ OFD_OPERATOR_EMAILS: STAFF, OFD_REQUISITES: JSON.stringify(REQUISITES) });
    await signUp(STAFF);
    await signUp(CUSTOMER);
    expect((await world.operator('POST', `/api/v1/organizations/${world.a.organizationId}/members`, { email: CUSTOMER, role: 'owner' })).status).toBe(200);
    const invoice = await world.operator<{ number: string }>('POST', `/api/v1/organizations/${world.a.organizationId}/invoices`, { amount: INVOICE_AMOUNT, idempotencyKey: 'operator-e2e-invoice-1' });
    expect(invoice.status).toBe(201);
    invoiceNumber = invoice.json.number;
    tab = await openTab(world);
  }, 240_000);
  afterAll(async () => {
    await world?.close();
  });

  it('creates a tariff with a promotion, refuses a taken code on its field, and archives it', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    await signIn(page, STAFF);
    await page.getByRole('menuitem', { name: 'Оператор' }).click();
    await page.getByRole('menuitem', { name: 'Тарифы', exact: true }).click();
    await page.waitForURL(/\/operator\/tariffs$/);
    await page.getByRole('heading', { name: 'Тарифы', exact: true }).waitFor();

    const [from, until] = [moscowDay(-1), moscowDay(30)];
    const fillTariff = async () => {
      await page.getByRole('button', { name: 'Новый тариф' }).first().click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Код').fill('operator-15');
      await dialog.getByLabel('Срок, месяцев').fill('15');
      await dialog.getByLabel('Название').fill('Пятнадцать месяцев');
      await dialog.getByLabel('Цена за кассу, ₽').fill('4 500,00');
      await dialog.getByLabel('Акция').click();
      await dialog.getByLabel('Цена по акции, ₽').fill('3990');
      await dialog.getByLabel('Начало акции').fill(from);
      await dialog.getByLabel('Конец акции').fill(until);
      await dialog.getByRole('button', { name: 'Создать тариф' }).click();
      return dialog;
    };
    await fillTariff();
    const row = page.getByRole('row', { name: /Пятнадцать месяцев/ });
    await row.waitFor();
    const cells = (await row.textContent()) ?? '';
    for (const shown of ['15 месяцев', rubles(450_000), rubles(399_000), 'продаётся']) expect(cells).toContain(shown);
    await page.screenshot({ path: `${ARTIFACTS}/screen-operator-tariffs.png`, fullPage: true });
    const stored = (await world.operator<{ items: Array<Record<string, unknown>> }>('GET', '/api/v1/tariffs?all=true')).json.items.find((t) => t.code === 'operator-15');
    expect(stored).toMatchObject({ months: 15, name: 'Пятнадцать месяцев', price: 450_000, promo: { price: 399_000, from, until }, priceToday: 399_000, active: true });

    // The same code again: the API's 409 lands on «Код», and the dialog stays open to fix it.
    const dialog = await fillTariff();
    await dialog.getByText('Тариф с кодом «operator-15» уже есть: выберите другой код.').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/screen-operator-tariff-form.png`, fullPage: true });
    await dialog.getByRole('button', { name: 'Отмена' }).click();

    await page.getByRole('button', { name: 'В архив: «Пятнадцать месяцев»' }).click();
    await row.getByText('в архиве').waitFor();
    await expect
      .poll(async () => (await world.operator<{ items: Array<{ code: string; active: boolean }> }>('GET', '/api/v1/tariffs?all=true')).json.items.find((t) => t.code === 'operator-15')?.active, POLL)
      .toBe(false);
    // Withdrawn: customers no longer see it.
    const forCustomers = (await world.operator<{ items: Array<{ code: string }> }>('GET', '/api/v1/tariffs')).json.items;
    expect(forCustomers.some((t) => t.code === 'operator-15')).toBe(false);
  });

  it('imports a 1C statement that pays the invoice by its number; the other payment waits in the unmatched list', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    const balance = async () => (await world.operator<{ balance: number }>('GET', `/api/v1/organizations/${world.a.organizationId}/balance`)).json.balance;
    const before = await balance();
    await page.getByRole('menuitem', { name: 'Банковские выписки' }).click();
    await page.getByRole('heading', { name: 'Банковские выписки' }).waitFor();
    await page.getByText('Нераспознанных платежей нет').waitFor();

    await page.locator('input[type="file"]').setInputFiles({ name: 'kl_to_1c.txt', mimeType: 'text/plain', buffer: statement1C(invoiceNumber) });
    // Recognised as 1C by its first line.
    await expect.poll(() => page.getByRole('radio', { name: '1С (1CClientBankExchange)' }).isChecked(), POLL).toBe(true);
    await page.getByRole('button', { name: 'Загрузить выписку' }).click();
    await page.getByText('Выписка загружена').waitFor();
    await page.getByText('Зачислено 1 из 2.', { exact: false }).waitFor();

    const result = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Результат' }) });
    const paid = result.getByRole('row', { name: new RegExp(invoiceNumber) });
    const paidText = (await paid.textContent()) ?? '';
    // Whose invoice it paid: the organization as the API names it (not the payer's name the bank wrote).
    const org = (await world.operator<{ name: string; inn: string }>('GET', `/api/v1/organizations/${world.a.organizationId}`)).json;
    for (const shown of ['№ 3101', rubles(INVOICE_AMOUNT), 'зачислен', `Счёт ${invoiceNumber}`, `${org.name}, ИНН ${world.a.inn}`]) expect(paidText).toContain(shown);
    expect((await result.getByRole('row', { name: /№ 3102/ }).textContent()) ?? '').toContain('счёт не найден');
    await page.screenshot({ path: `${ARTIFACTS}/screen-operator-statements.png`, fullPage: true });
    const unmatched = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'ИНН плательщика' }) });
    await unmatched.getByRole('row', { name: /№ 3102/ }).waitFor();
    expect((await unmatched.getByRole('row', { name: /№ 3102/ }).textContent()) ?? '').toContain(rubles(75_000));

    // What the API says now: the balance grew by exactly the invoice, the invoice is paid.
    await expect.poll(balance, POLL).toBe(before + INVOICE_AMOUNT);
    const docs = await world.operator<{ items: Array<{ kind: string; number: string; status: string }> }>('GET', `/api/v1/organizations/${world.a.organizationId}/billing-documents`);
    expect(docs.json.items).toContainEqual(expect.objectContaining({ kind: 'invoice', number: invoiceNumber, status: 'paid' }));
  });

  it('finds a customer’s organization it is not a member of and credits 100 ₽ by hand, once', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    const balance = async () => (await world.operator<{ balance: number }>('GET', `/api/v1/organizations/${world.a.organizationId}/balance`)).json.balance;
    const before = await balance();
    await page.getByRole('menuitem', { name: 'Клиенты' }).click();
    await page.getByRole('heading', { name: 'Клиенты' }).waitFor();
    await page.getByLabel('ИНН или название').fill(world.a.inn);
    await page.getByLabel('ИНН или название').press('Enter');
    const found = page.getByRole('listitem').filter({ hasText: `ИНН ${world.a.inn}` });
    expect(await found.textContent()).toContain(`баланс ${rubles(before)}`);
    await found.getByRole('button', { name: /^Открыть/ }).click();

    await page.getByLabel('Сумма, ₽').fill('100');
    await page.getByLabel('Основание').fill('Оплата наличными в офисе, ПКО № 7');
    // A double click: one intended credit, one idempotency key, credited once.
    await page.getByRole('button', { name: 'Пополнить вручную' }).dblclick();
    await page.getByText(`Зачислено ${rubles(10_000)}. Баланс: ${rubles(before + 10_000)}.`).waitFor();
    expect(await page.locator('.ant-descriptions').textContent()).toContain(rubles(before + 10_000));
    await page.screenshot({ path: `${ARTIFACTS}/screen-operator-clients.png`, fullPage: true });
    await expect.poll(balance, POLL).toBe(before + 10_000);
    const history = await world.operator<{ items: Array<{ reason: string; amount: number; reference: string }> }>('GET', `/api/v1/organizations/${world.a.organizationId}/account-history`);
    expect(history.json.items.filter((l) => l.reason === 'top_up.operator' && l.amount === 10_000)).toHaveLength(1);
  });

  it('shows a customer neither the menu nor the pages: «Нет доступа» at the URL', async (ctx) => {
    const customer = await openTab(world);
    shotOnFailure(ctx, () => customer.page);
    try {
      const { page } = customer;
      await signIn(page, CUSTOMER);
      await page.getByRole('menuitem', { name: 'Оплата' }).waitFor();
      expect(await page.getByRole('menuitem', { name: 'Оператор' }).count()).toBe(0);
      for (const path of ['/operator/tariffs', '/operator/bank-statements', '/operator/clients']) {
        await page.goto(path);
        await page.getByText('Нет доступа').waitFor();
        expect(await page.getByRole('button', { name: 'Загрузить выписку' }).count()).toBe(0);
      }
    } finally {
      await customer.context.close();
    }
  });

  it('fits a 375 px phone: the catalogue and an import’s result scroll only vertically', async (ctx) => {
    const phone = await openTab(world, { width: 375, height: 812 });
    shotOnFailure(ctx, () => phone.page);
    try {
      const { page } = phone;
      await signIn(page, STAFF);
      await page.goto('/operator/tariffs');
      // A card per tariff on a phone, with the figures in words.
      const card = page.getByRole('listitem', { name: 'Пятнадцать месяцев' });
      await card.waitFor();
      expect(await card.textContent()).toContain(`15 месяцев · ${rubles(450_000)}`);
      await expect.poll(() => page.evaluate<number>('document.documentElement.scrollWidth'), POLL).toBeLessThanOrEqual(375);
      await page.screenshot({ path: `${ARTIFACTS}/screen-operator-tariffs-phone.png`, fullPage: true });

      await page.goto('/operator/bank-statements');
      await page.locator('input[type="file"]').setInputFiles({ name: 'kl_to_1c.txt', mimeType: 'text/plain', buffer: statement1C(invoiceNumber) });
      await page.getByRole('button', { name: 'Загрузить выписку' }).click();
      // The same file again: nothing is credited twice.
      await page.getByText('Все платежи этой выписки (2) уже были загружены ранее: повторно ничего не зачислено.').waitFor();
      await expect.poll(() => page.evaluate<number>('document.documentElement.scrollWidth'), POLL).toBeLessThanOrEqual(375);
      await page.screenshot({ path: `${ARTIFACTS}/screen-operator-statements-phone.png`, fullPage: true });

      // A client found and opened, with the top-up form, fits too.
      await page.goto('/operator/clients');
      await page.getByLabel('ИНН или название').fill(world.a.inn);
      await page.getByLabel('ИНН или название').press('Enter');
      await page.getByRole('listitem').filter({ hasText: `ИНН ${world.a.inn}` }).getByRole('button', { name: /^Открыть/ }).click();
      await page.getByLabel('Основание').waitFor();
      await expect.poll(() => page.evaluate<number>('document.documentElement.scrollWidth'), POLL).toBeLessThanOrEqual(375);
      await page.screenshot({ path: `${ARTIFACTS}/screen-operator-clients-phone.png`, fullPage: true });
    } finally {
      await phone.context.close();
    }
  });
});
