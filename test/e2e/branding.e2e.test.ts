// «Оформление чеков» in a real browser (Debian's Chromium through playwright-core) against the whole app: an owner
// opens the screen from the menu, sees the sample receipt in the default brand, types a header and changes the
// colour — the live preview follows —, gives a banner a picture, uploads a logo, saves; the API then holds what was
// typed, and the e-mailed receipt shows the logo, the QR and the banner picture. A failing step leaves a screenshot in
// test/e2e/cabinet-artifacts/.
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ARTIFACTS, CHROMIUM, openTab, startWorld, type Tab, type World } from './cabinet/world.js';
import { keepFailureRecord } from './support/browser.js';

const CAN_RUN = existsSync(CHROMIUM) || process.env.CI !== undefined;
const EMAIL = 'brand.owner@example.test';
const PASSWORD = 'Kassa-2026!';
const POLL = { timeout: 15_000, interval: 100 };

/** What the tests read of an <img> in the page (the project compiles without the DOM typings). */
interface Img {
  naturalWidth: number;
  complete: boolean;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number };
}

let world: World;
let tab: Tab;

function shotOnFailure(ctx: TestContext, page: () => Page): void {
  keepFailureRecord(ctx, page, ARTIFACTS, 'branding-');
}

function logoPng(): Buffer {
  const png = new PNG({ width: 80, height: 40 });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([20, 120, 200, 255], i);
  return PNG.sync.write(png);
}

/** A 1104×368 banner picture (twice the 552-px column): orange with a dark lower third. */
function bannerPng(): Buffer {
  const png = new PNG({ width: 1104, height: 368 });
  for (let i = 0; i < png.data.length; i += 4) png.data.set(i / 4 / 1104 < 245 ? [240, 130, 30, 255] : [60, 40, 20, 255], i);
  return PNG.sync.write(png);
}

async function signUpAndIn(page: Page): Promise<void> {
  await page.goto('/sign-up');
  await page.getByLabel('Имя и фамилия').fill('Борис Брендов');
  await page.getByLabel('Телефон').fill('+7 912 345-67-80');
  await page.getByLabel('Электронная почта').fill(EMAIL);
  await page.getByLabel('Пароль', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Пароль ещё раз').fill(PASSWORD);
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Зарегистрироваться' }).click();
  await page.getByText('Учётная запись создана').waitFor();
  const mail = await world.smtp.next(EMAIL, 20_000);
  const link = new URL(/https?:\/\/\S+\/confirm-email\?token=[\w-]+/.exec(mail.text ?? '')![0]);
  await page.goto(link.pathname + link.search);
  await page.getByText('Адрес подтверждён').waitFor();
  await page.goto('/sign-in');
  await page.getByLabel('Электронная почта').fill(EMAIL);
  await page.getByLabel('Пароль').fill(PASSWORD);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

describe.skipIf(!CAN_RUN)('«Оформление чеков» in Chromium', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    world = await startWorld();
    tab = await openTab(world);
  }, 240_000);
  afterAll(async () => {
    await world?.close();
  });

  it('edits the brand with a live preview, uploads a logo and saves', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    await signUpAndIn(page);
    const member = await world.operator('POST', `/api/v1/organizations/${world.a.organizationId}/members`, { email: EMAIL, role: 'owner' });
    expect(member.status).toBe(200);

    // The «Чеки» group is open on its pages.
    await page.goto('/receipts');
    await page.getByRole('menuitem', { name: 'Оформление чеков' }).click();
    await page.waitForURL(/\/receipt-branding/);
    await page.getByRole('heading', { name: 'Оформление чеков' }).waitFor();
    await page.getByText('Стандартное оформление').waitFor();
    // Not bought yet: the page says buyers get the standard receipt.
    await page.getByText('покупатели получают стандартный чек', { exact: false }).first().waitFor();
    const preview = page.frameLocator('[data-testid="brand-preview"]');
    await preview.getByText('Кофе капучино 0,3 л').waitFor();

    await page.getByLabel('Текст в шапке').fill('Пекарня «Колос» — с 1998 года');
    await preview.getByText('Пекарня «Колос» — с 1998 года').waitFor();

    await page.getByRole('button', { name: 'Добавить баннер' }).click();
    await page.getByLabel('Заголовок').fill('Скидка 10% по карте');
    await page.getByLabel('Ссылка').fill('https://kolos.example/card');
    await preview.getByRole('link', { name: 'Скидка 10% по карте' }).waitFor();
    expect(await preview.getByRole('link', { name: 'Скидка 10% по карте' }).getAttribute('href')).toBe('https://kolos.example/card');

    // A picture for the banner: refused here when it is no PNG, JPEG or GIF; shown in the form and in the preview,
    // inside the banner's link, once uploaded.
    const pickPicture = async (file: { name: string; mimeType: string; buffer: Buffer }, button: string) => {
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: button }).click()]);
      await chooser.setFiles(file);
    };
    await pickPicture({ name: 'banner.webp', mimeType: 'image/webp', buffer: Buffer.from('RIFF') }, 'Загрузить картинку: Баннер 1');
    await page.getByText('Картинка баннера — PNG, JPEG или GIF').waitFor();
    await pickPicture({ name: 'banner.png', mimeType: 'image/png', buffer: bannerPng() }, 'Загрузить картинку: Баннер 1');
    await page.getByText('1104×368 px').waitFor();
    await expect.poll(() => page.getByTestId('banner-picture').evaluate((i: Img) => i.naturalWidth), POLL).toBe(1104);
    await page.getByLabel('Подпись к картинке').fill('Осенняя распродажа');
    const bannerImage = preview.locator('a[data-brand="banner-image-link"] img[data-brand="banner-image"]');
    await expect.poll(() => preview.locator('img[alt="Осенняя распродажа"]').count(), POLL).toBe(1);
    expect(await bannerImage.evaluate((i: Img) => [i.getAttribute('width'), i.getAttribute('height'), i.naturalWidth, i.complete])).toEqual(['552', '184', 1104, true]);
    expect(await preview.locator('a[data-brand="banner-image-link"]').getAttribute('href')).toBe('https://kolos.example/card');

    await page.locator('input[type="file"]').first().setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: logoPng() });
    await page.getByText(/Загружен: 80×40 px/).waitFor();
    await expect.poll(() => preview.locator('img[width="80"][height="40"]').count(), POLL).toBe(1);
    // The upload did not undo what was typed and not saved yet.
    expect(await page.getByLabel('Текст в шапке').inputValue()).toBe('Пекарня «Колос» — с 1998 года');

    await page.getByRole('button', { name: 'Сохранить', exact: true }).click();
    await page.getByText('Оформление сохранено').waitFor();
    await page.getByText('Своё оформление').waitFor();
    const stored = await world.operator<{ headerText: string; banners: unknown[]; logo: { width: number } | null }>('GET', `/api/v1/organizations/${world.a.organizationId}/receipt-brand`);
    expect(stored.json).toMatchObject({
      headerText: 'Пекарня «Колос» — с 1998 года',
      banners: [{ title: 'Скидка 10% по карте', url: 'https://kolos.example/card', text: '', alt: 'Осенняя распродажа', image: { contentType: 'image/png', width: 1104, height: 368 } }],
      logo: { width: 80 },
    });

    // The choice is saved at once; the radio shows what the server holds once it answered.
    const viberFirst = page.getByRole('radio', { name: 'Сначала Viber, если не доставлен — SMS' });
    await viberFirst.click();
    await expect.poll(() => viberFirst.isChecked(), POLL).toBe(true);
    await expect
      .poll(async () => (await world.operator<{ phoneChannel: string }>('GET', `/api/v1/organizations/${world.a.organizationId}/receipt-settings`)).json.phoneChannel, POLL)
      .toBe('viber');
    await page.screenshot({ path: `${ARTIFACTS}/screen-receipt-branding.png`, fullPage: true });
  });

  it('e-mails a receipt in the saved brand; the received HTML renders in Chromium with its logo, QR and banner images', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    // A brand reaches buyers only while the branded e-receipt service is paid: the operator credits a payment by invoice,
    // the organization buys a month of it, and the screen says until when.
    const org = world.a.organizationId;
    expect((await world.operator('POST', `/api/v1/organizations/${org}/operator-top-ups`, { amount: 49_000, idempotencyKey: 'brand-e2e-top-up', comment: 'Оплата по счёту' })).status).toBe(201);
    expect((await world.operator('POST', `/api/v1/organizations/${org}/branded-receipts/purchases`, { product: 'branded-1m', idempotencyKey: 'brand-e2e-1m' })).status).toBe(201);
    await page.goto('/receipt-branding');
    await page.getByText(/Брендирование активно до \d{2}\.\d{2}\.\d{4}/).waitFor();
    const target = (
      await world.database.pool.query<{ fn: string; fd: number }>(
        `select fn, fd from documents where user_inn = $1 and form = 3 and total_sum > 0 order by fn, fd limit 1`,
        [world.a.inn],
      )
    ).rows[0]!;
    await page.goto(`/receipts/${target.fn}/${target.fd}`);
    await page.getByRole('tab', { name: 'Отправить покупателю' }).click();
    // Viber is offered beside e-mail and SMS, with what happens when it does not deliver.
    await page.getByText('Viber', { exact: true }).click();
    await page.getByText('Если у покупателя нет Viber').waitFor();
    await page.getByText('E-mail', { exact: true }).click();
    await page.getByLabel('Адрес электронной почты покупателя').fill('brand.buyer@example.test');
    await page.getByRole('button', { name: 'Отправить чек' }).click();
    const mail = await world.smtp.next('brand.buyer@example.test', 30_000);

    // mailparser turned the cid: links into data: URIs of the parts: the page below needs nothing from outside.
    const mailPage = await tab.context.newPage();
    await mailPage.setContent(String(mail.html), { waitUntil: 'load' });
    await mailPage.getByText('Пекарня «Колос» — с 1998 года').waitFor();
    const images = await mailPage.evaluate<Array<{ w: number; h: number; ok: boolean }>>(
      'Array.from(document.images).map((i) => ({ w: i.naturalWidth, h: i.naturalHeight, ok: i.complete && i.naturalWidth > 0 }))',
    );
    // The logo, the QR, then the banner picture, each decoded from its inline part.
    expect(images).toEqual([{ w: 80, h: 40, ok: true }, expect.objectContaining({ ok: true }), { w: 1104, h: 368, ok: true }]);
    expect(await mailPage.getByRole('link', { name: 'Скидка 10% по карте' }).getAttribute('href')).toBe('https://kolos.example/card');
    const pictureLink = mailPage.getByRole('link', { name: 'Осенняя распродажа' });
    expect([await pictureLink.getAttribute('href'), await pictureLink.getAttribute('rel')]).toEqual(['https://kolos.example/card', 'noopener']);
    // Shown at most 552 px wide in the 600-px column, whatever the picture's own size.
    expect(await pictureLink.locator('img').evaluate((i: Img) => i.getBoundingClientRect().width)).toBeLessThanOrEqual(552);
    await mailPage.screenshot({ path: `${ARTIFACTS}/screen-branded-email.png`, fullPage: true });
    await mailPage.close();
  });

  it('fits a 375 px phone: the preview goes under the form', async (ctx) => {
    const phone = await openTab(world, { width: 375, height: 800 });
    shotOnFailure(ctx, () => phone.page);
    await phone.context.addCookies(await tab.context.cookies());
    await phone.page.goto('/receipt-branding');
    await phone.page.frameLocator('[data-testid="brand-preview"]').getByText('Пекарня «Колос» — с 1998 года').waitFor();
    const width = await phone.page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(375);
    await phone.context.close();
  });
});
