// Issue 18 in a real browser (Debian's Chromium through playwright-core) against the whole process: the customer fills
// the registration application in the cabinet, signs it in the browser through the CryptoPro plug-in adapter (a test
// stand-in for the plug-in, certificates from a test CA made with openssl) — someone else's certificate is refused with
// the reason on screen — `ofd fake-fns-kkt` (its own process, over HTTP) answers with an РНМ after a delay and the status
// page updates by itself; the registration report sent over TCP by an emulated register completes it. Then the FN is
// replaced (closing report and report on changed details sent by the register, the re-registration prefilled from
// them), a deregistration is refused by the FNS with its reasons shown, and filed again it takes the register off.
// A failing step leaves a screenshot in test/e2e/cabinet-artifacts/.
import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ARTIFACTS } from './cabinet/world.js';
import { CAN_RUN_CHROMIUM as CAN_RUN, CHROMIUM, keepFailureRecord, watchConsole } from './support/browser.js';
import { contextWithSigner, EMAIL, EmulatedRegister, PASSWORD, startKktWorld, type KktWorld } from './kkt-registration/world.js';

if (!CAN_RUN) process.stderr.write(`\n!!! KKT REGISTRATION BROWSER JOURNEY SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium)\n\n`);

const SERIAL = '00106107300555';
const FN1 = '9999078900055501';
const FN2 = '9999078900055502';
const HEAD = 'ООО «Ромашка», Иванов Иван Иванович';
const STRANGER = 'ПАО «Чужая», Иванов Иван Иванович';

let world: KktWorld;
let context: BrowserContext;
let page: Page;
let register: EmulatedRegister;
/** Found by the registration journey, used by the ones after it. */
let rnm = '';
let registerId = 0;

function shotOnFailure(ctx: TestContext): void {
  keepFailureRecord(ctx, () => page, ARTIFACTS, 'kkt-');
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers read field by field against the OpenAPI shapes
const application = async (id: number) => (await world.operator<any>('GET', `/api/v1/kkt-applications/${id}`)).json;
const applicationIdOf = (p: Page) => Number(/\/kkt-applications\/(\d+)$/.exec(new URL(p.url()).pathname)?.[1]);

/** Documents the gateway acknowledged are stored by the worker a moment later; the prefill reads them from PostgreSQL. */
async function stored(form: number, fn: string): Promise<void> {
  await until(`form ${form} of ${fn} stored`, async () => {
    const r = await world.database.pool.query('select 1 from documents where form = $1 and fn = $2 and register_id is not null', [form, fn]);
    return r.rowCount ? true : undefined;
  });
}

async function chooseCertificate(subject: string): Promise<void> {
  await page.getByLabel('Сертификат').click();
  await page.locator('.ant-select-item-option', { hasText: subject }).click();
}

async function signAndOpen(): Promise<number> {
  await page.getByLabel('XML заявления').waitFor();
  await chooseCertificate(HEAD);
  await page.getByRole('button', { name: 'Подписать и отправить в ФНС', exact: true }).click();
  await page.waitForURL(/\/kkt-applications\/\d+$/);
  return applicationIdOf(page);
}

async function mailWithSubject(subject: string): Promise<void> {
  await until(`the e-mail «${subject}»`, async () => (world.smtp.mails.some((m) => m.subject === subject) ? true : undefined));
}

describe.skipIf(!CAN_RUN)('registering a KKT in the cabinet, in Chromium', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    world = await startKktWorld();
    register = new EmulatedRegister(world.running.gatewayPort!, SERIAL);
    context = await contextWithSigner(world, [
      { cert: world.stranger, subject: STRANGER },
      { cert: world.head, subject: HEAD },
    ]);
    page = await context.newPage();
    watchConsole(page);
    page.setDefaultTimeout(20_000);
    await page.goto('/sign-in');
    await page.getByLabel('Электронная почта').fill(EMAIL);
    await page.getByLabel('Пароль').fill(PASSWORD);
    await page.getByRole('button', { name: 'Войти', exact: true }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
  }, 300_000);
  afterAll(async () => {
    await context?.close().catch(() => {});
    await world?.close();
  });

  it('fills the application, refuses another owner’s signature with the reason, signs, gets the РНМ by itself and completes with the registration report', async (ctx) => {
    shotOnFailure(ctx);
    await page.goto('/registers');
    await page.getByRole('button', { name: 'Зарегистрировать кассу', exact: true }).click();
    await page.getByLabel('Модель ККТ').fill('АТОЛ 30Ф');
    await page.getByLabel('Заводской номер ККТ').fill(SERIAL);
    await page.getByLabel('Модель ФН').fill('ФН-1.2 исполнение Ин15-1');
    await page.getByLabel('Заводской номер ФН').fill(FN1);
    await page.getByLabel('Адрес установки (применения) ККТ').fill('119021, г. Москва, ул. Льва Толстого, д. 16');
    await page.getByLabel('Место установки').fill('Магазин');
    await page.getByLabel('Регион').fill('77');
    await page.getByLabel('Код ИФНС').fill('7704');
    await page.getByLabel('Маркированные товары').check();
    await page.getByLabel('Фамилия подписанта').fill('Иванов');
    await page.getByLabel('Имя', { exact: true }).fill('Иван');
    await page.getByRole('button', { name: 'Сформировать заявление', exact: true }).click();

    const xml = await page.getByLabel('XML заявления').textContent();
    expect(xml).toContain(`ЗавНомККТ="${SERIAL}"`);
    expect(xml).toContain('ПрМарк="1"');
    // The plug-in lists someone else's certificate first: the server refuses it and the page says why.
    await page.getByRole('button', { name: 'Подписать и отправить в ФНС', exact: true }).click();
    await page.getByText(/Владелец сертификата не совпадает с организацией.*ИНН в сертификате: 7707083893/).waitFor();
    const id = await signAndOpen();
    expect((await application(id)).signer).toMatchObject({ organizationInn: '7704211201', snils: '11223344595' });

    // Nothing is reloaded by hand from here: the page follows the application.
    await page.getByText('РНМ присвоен: ждём отчёт о регистрации', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByText(/^Статус обновился/).waitFor();
    rnm = (await application(id)).kktRegId;
    expect(rnm).toMatch(/^\d{16}$/);
    await page.getByText(`Введите РНМ ${rnm} в кассу`, { exact: false }).waitFor();
    await page.getByText(/ФНС присвоила регистрационный номер/).waitFor();

    await register.send(1, rnm, FN1, 1, 3 * 3600);
    await page.getByText('Регистрация завершена', { exact: true }).waitFor({ timeout: 60_000 });
    expect((await application(id)).report).toMatchObject({ fiscalDocumentNumber: 1, fiscalDriveNumber: FN1 });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const registers = await world.operator<{ items: any[] }>('GET', `/api/v1/registers?organizationId=${world.organizationId}`);
    const r = registers.json.items.find((x) => x.registrationNumber === rnm);
    expect(r).toMatchObject({ serialNumber: SERIAL, connection: { currentFn: FN1 } });
    registerId = r.id;
    // The customer is told by e-mail too.
    await mailWithSubject(`ККТ ${SERIAL}: присвоен РНМ ${rnm}`);
    await mailWithSubject(`ККТ ${SERIAL} зарегистрирована`);
  });

  it('re-registers on FN replacement: the reports the register sent prefill the application, which completes by itself', async (ctx) => {
    shotOnFailure(ctx);
    expect(registerId).toBeGreaterThan(0);
    await register.send(6, rnm, FN1, 2, 2 * 3600);
    const changedSign = await register.send(11, rnm, FN2, 1, 2 * 3600 - 300);
    await stored(6, FN1);
    await stored(11, FN2);

    await page.goto(`/registers/${registerId}`);
    await page.getByRole('button', { name: 'Перерегистрировать', exact: true }).click();
    await page.getByLabel('Замена фискального накопителя').check();
    // Only what an FN replacement changes is asked, and it is filled from what the register sent us.
    expect(await page.getByLabel('Заводской номер нового ФН').inputValue()).toBe(FN2);
    expect(await page.getByLabel('Отчёт о закрытии прежнего ФН: номер ФД').inputValue()).toBe('2');
    expect(await page.getByLabel('Отчёт об изменении параметров регистрации: ФП').inputValue()).toBe(String(changedSign));
    expect(await page.getByLabel('Новый адрес установки (применения) ККТ').count()).toBe(0);
    await page.getByRole('button', { name: 'Сформировать заявление', exact: true }).click();
    const xml = await page.getByLabel('XML заявления').textContent();
    expect(xml).toContain(`ЗавНомФН="${FN2}"`);
    expect(xml).toContain('<ПричПеререг КодПрич="3"/>');
    expect(xml).toContain('<СвОтчЗакрФН');
    const id = await signAndOpen();

    await page.getByText('Перерегистрация завершена', { exact: true }).waitFor({ timeout: 60_000 });
    expect(await application(id)).toMatchObject({ kind: 'reregistration', status: 'completed', kktRegId: rnm, fnSerialNumber: FN2 });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const received = (await (await fetch(`${world.fnsUrl}/_applications`)).json()) as any[];
    expect(received.find((a) => a.applicationId === String(id))).toMatchObject({ kind: 'reregistration', kktRegId: rnm, fnSerialNumber: FN2 });
  });

  it('shows the FNS’s reasons when it refuses a deregistration, and a deregistration filed again takes the register off', async (ctx) => {
    shotOnFailure(ctx);
    expect(registerId).toBeGreaterThan(0);
    await register.send(6, rnm, FN2, 2, 3600);
    await stored(6, FN2);
    await world.controlFns({ refuseSerials: [SERIAL] });

    const deregister = async () => {
      await page.goto(`/registers/${registerId}`);
      await page.getByRole('button', { name: 'Снять с учёта', exact: true }).click();
      await page.getByText('По решению пользователя', { exact: false }).click();
      expect(await page.getByLabel('Отчёт о закрытии ФН: номер ФД').inputValue()).toBe('2');
      await page.getByRole('button', { name: 'Сформировать заявление', exact: true }).click();
      return signAndOpen();
    };
    const refused = await deregister();
    await page.getByText('ФНС отказала', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByText(`Экземпляр ККТ с заводским номером ${SERIAL} отсутствует в реестре экземпляров ККТ`, { exact: true }).waitFor();
    expect((await application(refused)).status).toBe('refused');
    await page.getByRole('link', { name: 'Исправить и подать заново' }).click();
    await page.waitForURL((u) => u.pathname === '/registers' && u.searchParams.get('q') === rnm);

    await world.controlFns({ refuseSerials: [] });
    const id = await deregister();
    await page.getByText('Касса снята с учёта', { exact: true }).waitFor({ timeout: 60_000 });
    expect(await application(id)).toMatchObject({ kind: 'deregistration', status: 'completed' });
    expect((await world.operator<{ registrationStatus: string }>('GET', `/api/v1/registers/${registerId}`)).json.registrationStatus).toBe('deregistered');
    await mailWithSubject(`ККТ ${SERIAL} снята с учёта`);

    // «Заявления в ФНС» lists all four with their statuses.
    await page.goto('/kkt-applications');
    for (const text of ['Регистрация завершена', 'Перерегистрация завершена', 'Отказ ФНС', 'Касса снята с учёта']) await page.getByRole('cell', { name: text, exact: true }).waitFor();
    await page.goto(`/registers/${registerId}`);
    await page.getByText('Снята с учёта в ФНС', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Перерегистрировать', exact: true }).count()).toBe(0);
  });

  it('binds the head’s certificate from the user menu, and signs in with it; a certificate nobody bound is refused with the reason', async (ctx) => {
    shotOnFailure(ctx);
    await page.goto('/');
    await page.getByRole('button', { name: /^Пользователь/ }).click();
    await page.getByRole('menuitem', { name: 'Вход по ЭЦП' }).click();
    await page.getByText('Сертификаты ещё не привязаны.').waitFor();
    await page.getByRole('button', { name: 'Привязать сертификат', exact: true }).click();
    await page.getByLabel('Сертификат для привязки').click();
    await page.locator('.ant-select-item-option', { hasText: HEAD }).click();
    await page.getByRole('button', { name: 'Подписать и привязать', exact: true }).click();
    await page.getByText(/^СНИЛС 11223344595 — привязан/).waitFor();

    await page.getByRole('button', { name: /^Пользователь/ }).click();
    await page.getByRole('menuitem', { name: 'Выйти' }).click();
    await page.waitForURL('**/sign-in');
    await page.getByRole('button', { name: 'Войти с помощью ЭЦП', exact: true }).click();
    // The plug-in offers someone else's certificate first: nobody bound it.
    await page.getByRole('button', { name: 'Подписать и войти', exact: true }).click();
    await page.getByText(/Владелец сертификата не найден среди пользователей/).waitFor();
    await page.getByLabel('Сертификат для входа').click();
    await page.locator('.ant-select-item-option', { hasText: HEAD }).click();
    await page.getByRole('button', { name: 'Подписать и войти', exact: true }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
    await page.getByRole('button', { name: /^Пользователь/ }).waitFor();
  });

  it('works on a 375 px phone: the application page and the wizard fit the screen', async (ctx) => {
    shotOnFailure(ctx);
    await page.setViewportSize({ width: 375, height: 812 });
    const fits = () => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth + 1');
    await page.goto('/kkt-applications');
    await page.getByRole('link', { name: '№ 1', exact: true }).click();
    await page.getByText('Регистрация завершена', { exact: true }).waitFor();
    expect(await fits()).toBe(true);
    await page.goto(`/registers/${registerId}/reregister`);
    await page.getByLabel('Замена фискального накопителя').check();
    await page.getByLabel('Заводской номер нового ФН').waitFor();
    expect(await fits()).toBe(true);
  });
});
