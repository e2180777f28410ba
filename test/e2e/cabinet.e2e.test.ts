// The web cabinet in a real browser (Debian's Chromium through playwright-core) against the real app: a new customer
// signs up, confirms from the e-mail, signs in; sees its registers and receipts and never the other customer's;
// filters receipts, opens one, prints it, sends it by e-mail; marking stages; a closed shift's Z-report; the global
// search by keyboard; a lost session returns to where the user was; sign-out; a 375 px phone. A failing step leaves a
// screenshot in test/e2e/cabinet-artifacts/.
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ARTIFACTS, CHROMIUM, openTab, startWorld, until, type Tab, type World } from './cabinet/world.js';
import { keepFailureRecord } from './support/browser.js';

const CAN_RUN = existsSync(CHROMIUM) || process.env.CI !== undefined;
if (!CAN_RUN) {
  process.stderr.write(`\n${'!'.repeat(100)}\n!!! CABINET BROWSER JOURNEYS SKIPPED: ${CHROMIUM} is missing. Install it: apt-get install -y chromium\n${'!'.repeat(100)}\n\n`);
}

const EMAIL = 'anna.owner@example.test';
const PASSWORD = 'Kassa-2026!';
/** Set by the password-reset journey; the phone journey after it signs in with it. */
const NEW_PASSWORD = 'Novyi-parol7';
const NB = '\u00a0';
/** expect.poll waits 1 s by default; a loaded CI machine needs the same patience as the locators. */
const POLL = { timeout: 15_000, interval: 100 };

let world: World;
let tab: Tab;
/** The receipt the filter journey opened; the e-mail journey sends it. */
let opened: { fn: string; fd: number } | undefined;

function shotOnFailure(ctx: TestContext, page: () => Page): void {
  keepFailureRecord(ctx, page, ARTIFACTS, '');
}

/** A picture of a screen for a person to look at (test/e2e/cabinet-artifacts/screen-*.png, not committed). */
async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/screen-${name}.png`, fullPage: true });
}

async function signIn(page: Page, email = EMAIL, password = PASSWORD): Promise<void> {
  await page.getByLabel('Электронная почта').fill(email);
  await page.getByLabel('Пароль').fill(password);
  // Enter submits the form as a person does; a click on «Войти» once waited out its 15 s for a button in a transition.
  await page.getByLabel('Пароль').press('Enter');
}

function rublesText(kopecks: number): string {
  return `${String(Math.trunc(kopecks / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, NB)},${String(kopecks % 100).padStart(2, '0')}${NB}₽`;
}

// Journeys take seconds each on a quiet machine and far longer on a loaded one: a generous per-test budget.
describe.skipIf(!CAN_RUN)('the cabinet in Chromium', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    world = await startWorld();
    tab = await openTab(world);
  }, 240_000);
  afterAll(async () => {
    await world?.close();
  });

  it('signs up with the live password rules, confirms from the e-mailed link, signs in with an httpOnly cookie', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page, context } = tab;
    await page.goto('/sign-up');
    await page.getByLabel('Имя и фамилия').fill('Анна Владелица');
    await page.getByLabel('Телефон').fill('+7 912 345-67-89');
    await page.getByLabel('Электронная почта').fill(EMAIL);
    await page.getByLabel('Пароль', { exact: true }).fill('abc');
    await expect.poll(() => page.locator('#password-rules li[data-ok="false"]').count(), POLL).toBe(4);
    await page.getByLabel('Пароль', { exact: true }).fill(PASSWORD);
    await expect.poll(() => page.locator('#password-rules li[data-ok="false"]').count(), POLL).toBe(0);
    await page.getByLabel('Пароль ещё раз').fill(PASSWORD);
    await page.getByRole('button', { name: 'Зарегистрироваться' }).click();
    await page.getByText('Без согласия с офертой регистрация невозможна').waitFor();
    await page.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Зарегистрироваться' }).click();
    await page.getByText('Учётная запись создана').waitFor();

    const mail = await world.smtp.next(EMAIL, 15_000);
    const link = /https?:\/\/\S+\/confirm-email\?token=[\w-]+/.exec(mail.text ?? '')?.[0];
    expect(link, mail.text).toBeDefined();
    expect(new URL(link!).origin).toBe(world.base);
    await page.goto(link!);
    await page.getByText('Адрес подтверждён').waitFor();
    await page.getByRole('button', { name: 'Войти', exact: true }).click();
    await page.waitForURL('**/sign-in');

    // The operator makes the new user the owner of customer A (onboarding is another issue).
    expect((await world.operator('POST', `/api/v1/organizations/${world.a.organizationId}/members`, { email: EMAIL, role: 'owner' })).status).toBeLessThan(300);
    await signIn(page);
    await page.getByRole('heading', { name: 'Главная' }).waitFor();
    await page.getByText('Требует действий').waitFor();
    await page.getByText('На связи').waitFor();
    await snap(page, 'dashboard');

    const cookie = (await context.cookies()).find((c) => c.name === 'ofd_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(await page.evaluate<string>('document.cookie')).not.toContain('ofd_session');
    expect(await page.evaluate<number>('Object.keys(localStorage).length + Object.keys(sessionStorage).length')).toBe(0);
  });

  it('shows the member its own registers and receipts, never the other customer’s', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    await page.getByRole('menuitem', { name: 'Кассы' }).click();
    await page.getByRole('heading', { name: 'Кассы' }).waitFor();
    for (const rn of world.a.registrationNumbers) await page.getByText(`РН ${rn}`).waitFor();
    for (const rn of world.b.registrationNumbers) expect(await page.getByText(`РН ${rn}`).count()).toBe(0);
    await snap(page, 'registers');

    await page.getByText(`РН ${world.a.registrationNumbers[0]}`).click();
    await page.getByRole('heading', { name: `Касса РН ${world.a.registrationNumbers[0]}` }).waitFor();
    await page.getByText(world.a.fns[0]!).first().waitFor();
    await snap(page, 'register');

    await page.goto(`/receipts/${world.b.fns[0]}/3`);
    await page.getByText('Не найдено: объект удалён или относится к другой организации.').waitFor();
  });

  it('filters receipts through the URL, opens one laid out like the paper receipt with its QR, prints it from the link', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page, context } = tab;
    const target = (
      await world.database.pool.query<{ fn: string; fd: number; total_sum: number }>(
        `select fn, fd, total_sum from documents where user_inn = $1 and form = 3 and operation_type = 1 and total_sum > 100
          and buyer_contact like '%@%' order by fn, fd limit 1`,
        [world.a.inn],
      )
    ).rows[0]!;
    await page.goto('/receipts');
    await page.getByRole('table').waitFor();
    await page.getByLabel('ФД (номер документа)').fill(String(target.fd));
    await page.getByLabel('Сумма от, ₽').fill(String((target.total_sum - 1) / 100).replace('.', ','));
    await page.getByLabel('Тип операции').click();
    await page.getByTitle('Приход', { exact: true }).click();
    await page.getByRole('button', { name: 'Применить' }).click();
    await page.waitForURL((u) => u.searchParams.get('fd') === String(target.fd));
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toEqual({ fd: String(target.fd), amountMin: String(target.total_sum - 1), operationType: '1' });
    const expected = (
      await world.database.pool.query<{ n: number }>(
        'select count(*)::int as n from documents where user_inn = $1 and form = 3 and fd = $2 and total_sum >= $3 and operation_type = 1',
        [world.a.inn, target.fd, target.total_sum - 1],
      )
    ).rows[0]!.n;
    await expect.poll(() => page.locator('tbody tr.ant-table-row').count(), POLL).toBe(expected);
    await snap(page, 'receipts-filtered');

    // The link reproduces the view; Back returns to the unfiltered list.
    await page.goBack();
    await page.waitForURL((u) => !u.searchParams.has('fd'));
    await page.goForward();
    await page.locator(`a[href="/receipts/${target.fn}/${target.fd}"]`).click();
    const receipt = page.getByTestId('paper-receipt');
    await receipt.waitFor();
    expect(await receipt.textContent()).toContain(`ИТОГ${rublesText(target.total_sum)}`);
    const qr = page.getByRole('img', { name: /^QR-код чека: t=\d{8}T\d{4}&s=/ });
    await qr.waitFor();
    expect(await qr.getAttribute('data-qr')).toContain(`&fn=${target.fn}&i=${target.fd}&`);
    const drawn = await qr.evaluate((el) => {
      // The server's tsconfig has no DOM lib: the element is typed by what is read from it.
      const img = el as unknown as { complete: boolean; naturalWidth: number };
      return img.complete && img.naturalWidth > 0;
    });
    expect(drawn).toBe(true);
    await snap(page, 'receipt');

    await page.getByRole('tab', { name: 'Для специалиста' }).click();
    expect(await page.getByLabel('Документ в формате JSON ФНС').textContent()).toContain(`"fiscalDocumentNumber": ${target.fd}`);

    const [print] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: /Печать/ }).click()]);
    await print!.waitForLoadState();
    expect(await print!.locator('body').textContent()).toContain(`${target.fd}`);
    expect(await print!.locator('#fns-qr').getAttribute('data-qr')).toContain(`fn=${target.fn}`);
    await print!.close();
    await page.getByRole('tab', { name: 'Отправить покупателю' }).click();
    opened = target;
  });

  it('sends the receipt to the buyer by e-mail and shows the delivery status', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    const target = opened!;
    await page.getByLabel('Адрес электронной почты покупателя').fill('buyer.e2e@example.test');
    await page.getByRole('button', { name: 'Отправить чек' }).click();
    await page.getByText('Чек поставлен в очередь на отправку').waitFor();
    const mail = await world.smtp.next('buyer.e2e@example.test', 30_000);
    expect(mail.subject).toContain(`Кассовый чек № ${target.fd}`);
    await page.locator('[data-testid="delivery-status"]', { hasText: 'Доставлен' }).waitFor({ timeout: 30_000 });
    await snap(page, 'receipt-sent');
  });

  it('shows the marking stages of sold codes, filtered by stage', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    await until('a code answered by CRPT', async () => {
      const r = await world.database.pool.query(
        `select 1 from crpt_code_status s join documents d on d.fn = s.fn and d.fd = s.fd where s.stage = 'crpt_answered' and d.user_inn = $1 limit 1`,
        [world.a.inn],
      );
      return r.rowCount ? true : undefined;
    });
    await page.goto('/marking');
    await page.getByRole('heading', { name: 'Маркировка' }).waitFor();
    await page.locator('tbody tr.ant-table-row').first().waitFor();
    const hrefs = await page.locator('tbody tr.ant-table-row a[href^="/receipts/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const h of hrefs) expect(world.a.fns).toContain(h.split('/')[2]);

    await page.goto('/marking?stage=crpt_answered');
    await page.locator('tbody tr.ant-table-row').first().waitFor();
    const stages = await page.locator('[data-stage]').evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')));
    expect(stages.length).toBeGreaterThan(0);
    expect(new Set(stages)).toEqual(new Set(['crpt_answered']));
    await snap(page, 'marking');
  });

  it('lists closed shifts and opens a Z-report reconciled with the receipts received', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    await page.getByRole('menuitem', { name: 'Закрытые смены' }).click();
    await page.getByRole('heading', { name: 'Закрытые смены' }).waitFor();
    await page.locator('tbody tr.ant-table-row').first().waitFor();
    expect(await page.getByText('Сходится').count()).toBeGreaterThan(0);
    await page.locator('tbody tr.ant-table-row a[href^="/shifts/"]').first().click();
    await page.getByText('Сверка сходится: все чеки смены получены').waitFor();
    const sell = page.getByRole('row', { name: /^Приход/ });
    const cells = await sell.locator('td').allTextContents();
    expect(cells[1]).toBe(cells[2]);
    expect(cells[1]).toMatch(/,\d{2}\u00a0₽$/);
    await snap(page, 'z-report');
  });

  it('finds a receipt by its fiscal sign from the header search, by keyboard', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    const doc = (
      await world.database.pool.query<{ fn: string; fd: number; fiscal_sign: number }>(
        'select fn, fd, fiscal_sign from documents where user_inn = $1 and form = 3 order by fn desc, fd desc limit 1',
        [world.a.inn],
      )
    ).rows[0]!;
    await page.goto('/registers');
    await page.getByRole('heading', { name: 'Кассы' }).waitFor();
    // The search box is a chunk of its own, loaded right after the frame: its `/` shortcut exists once it is there.
    await page.getByLabel('Поиск по кассам, чекам и организациям').waitFor();
    await page.keyboard.press('/');
    await page.keyboard.type(String(doc.fiscal_sign));
    await page.getByTestId('search-hit').first().waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/receipts/${doc.fn}/${doc.fd}`);
    await page.getByTestId('paper-receipt').waitFor();
  });

  it('sends a user whose session ended to sign-in and back to where they were', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    // The page's own requests (the list, its lookups, the lazily loaded paid-period and branding banners) are answered
    // before the session ends: one still in flight then would send the user to sign-in from here, before the click below.
    const pageRequests = ['documents', 'registers', 'outlets', 'organizations', 'ofd-service/ending', 'branded-receipts/ending'].map((p) =>
      page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/${p}`),
    );
    await page.goto('/receipts?operationType=2');
    await page.getByRole('heading', { name: 'Все чеки' }).waitFor();
    await Promise.all(pageRequests);
    // The session ends server-side (as a password change elsewhere would end it); the next call answers 401.
    await world.database.pool.query('update user_sessions set revoked_at = now() where revoked_at is null');
    await page.getByRole('menuitem', { name: 'Торговые точки' }).click();
    await page.waitForURL((u) => u.pathname === '/sign-in' && u.searchParams.get('next') === '/outlets' && u.searchParams.get('ended') === '1');
    await page.getByText('Сеанс завершён').waitFor();
    await signIn(page);
    await page.waitForURL('**/outlets');
    await page.getByRole('heading', { name: 'Торговые точки' }).waitFor();

    await tab.context.clearCookies();
    await page.goto('/receipts?operationType=2');
    await page.waitForURL((u) => u.pathname === '/sign-in');
    await signIn(page);
    await page.waitForURL((u) => u.pathname === '/receipts' && u.searchParams.get('operationType') === '2');
  });

  it('signs out: the session is revoked on the server, so a copy of the cookie no longer opens anything', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page, context } = tab;
    const cookie = (await context.cookies()).find((c) => c.name === 'ofd_session')!.value;
    expect((await fetch(`${world.base}/api/v1/me`, { headers: { cookie: `ofd_session=${cookie}` } })).status).toBe(200);
    await page.getByRole('button', { name: /^Пользователь/ }).click();
    await page.getByRole('menuitem', { name: 'Выйти' }).click();
    await page.waitForURL('**/sign-in');
    expect((await context.cookies()).some((c) => c.name === 'ofd_session')).toBe(false);
    expect((await fetch(`${world.base}/api/v1/me`, { headers: { cookie: `ofd_session=${cookie}` } })).status).toBe(401);
  });

  it('resets a forgotten password through the e-mailed link and signs in with the new one', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    await page.getByRole('link', { name: 'Забыли пароль?' }).click();
    // The sign-in page has an «Электронная почта» field too: fill only once the new page is shown (its route loads
    // lazily, and a fill that lands on the old page's field is lost — CI once failed exactly so).
    await page.getByRole('heading', { name: 'Восстановление пароля' }).waitFor();
    await page.getByLabel('Электронная почта').fill(EMAIL);
    await page.getByRole('button', { name: 'Отправить ссылку' }).click();
    await page.getByText('Проверьте почту').waitFor();
    const mail = await world.smtp.next(EMAIL, 15_000);
    const link = /https?:\/\/\S+\/reset-password\?token=[\w-]+/.exec(mail.text ?? '')?.[0];
    expect(link, mail.text).toBeDefined();
    await page.goto(link!);
    await page.getByLabel('Новый пароль', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Новый пароль ещё раз').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Сохранить пароль' }).click();
    await page.getByText('Пароль изменён').waitFor();
    await page.getByRole('link', { name: 'Войти' }).click();
    await page.getByRole('heading', { name: 'Вход' }).waitFor();
    await signIn(page, EMAIL, PASSWORD);
    await page.getByText('Неверный адрес электронной почты или пароль.').waitFor();
    await signIn(page, EMAIL, NEW_PASSWORD);
    await page.getByRole('heading', { name: 'Главная' }).waitFor();
  });

  it('works on a 375 px phone: the receipt list as cards and the receipt view without sideways scrolling', async (ctx) => {
    const phone = await openTab(world, { width: 375, height: 740 });
    shotOnFailure(ctx, () => phone.page);
    const { page } = phone;
    await page.goto('/receipts');
    await page.waitForURL('**/sign-in?**');
    await signIn(page, EMAIL, NEW_PASSWORD);
    await page.getByRole('heading', { name: 'Все чеки' }).waitFor();
    const cards = page.getByTestId('receipt-cards').getByRole('link');
    await cards.first().waitFor();
    const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await cards.first().click();
    await page.getByTestId('paper-receipt').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    const box = await page.getByTestId('paper-receipt').boundingBox();
    expect(box!.width).toBeLessThanOrEqual(375);
    await page.screenshot({ path: `${ARTIFACTS}/phone-receipt.png`, fullPage: true });
    await phone.context.close();
  });
});
