// Аналитика in a real browser (Debian's Chromium through playwright-core) against the real app and the world of
// test/e2e/cabinet/world.ts: receipts sent through the gateway by the emulator, an owner of customer A signs in and
// opens every report screen. The figures the screens and the downloaded xlsx show are checked against sums taken here
// straight from the stored receipts (`documents`), not through the reports' rollups or their SQL. The FN schedule must
// name the same end date as the register's page; a period's receipts export in the background and land in «Выгрузки»;
// the screens fit a 375 px phone. A failing step leaves a screenshot in test/e2e/cabinet-artifacts/.
import { existsSync, readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ARTIFACTS, CHROMIUM, openTab, startWorld, until, type Tab, type World } from './cabinet/world.js';
import { keepFailureRecord } from './support/browser.js';

const CAN_RUN = existsSync(CHROMIUM) || process.env.CI !== undefined;
const EMAIL = 'olga.analyst@example.test';
const PASSWORD = 'Analitika-2026!';
const NB = '\u00a0';
const POLL = { timeout: 15_000, interval: 100 };
const SIGN: Record<number, number> = { 1: 1, 2: -1, 3: -1, 4: 1 };
// A document's registration number in SQL over `documents d`: null where its register is known when the usual values
// are stored as null (OFD_STORE_USUAL_AS_NULL, on by default), the register's number then.
const RN = 'coalesce(d.kkt_reg_id, (select r.registration_number from registers r where r.id = d.register_id))';

let world: World;
let tab: Tab;
/** The days of customer A's receipts: the custom period every screen opens with. */
let from = '';
let to = '';
/** Independent sums over A's stored settlement documents. */
let expected: { count: number; net: number; cashNet: number; cardNet: number; prepaidNet: number; creditNet: number; provisionNet: number; sellCount: number; revenue: number };

/** 18412605 → `184 126,05` (as the tables print money: the column title carries ₽). */
function rub(kopecks: number): string {
  const abs = Math.abs(kopecks);
  const text = `${String(Math.trunc(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, NB)},${String(abs % 100).padStart(2, '0')}`;
  return kopecks < 0 ? `\u2212${text}` : text;
}
const count = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, NB);
const ddmmyyyy = (day: string) => `${day.slice(8, 10)}.${day.slice(5, 7)}.${day.slice(0, 4)}`;

function shotOnFailure(ctx: TestContext, page: () => Page): void {
  keepFailureRecord(ctx, page, ARTIFACTS, 'analytics-');
}

async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/screen-analytics-${name}.png`, fullPage: true });
}

/** The texts of the «Итого» row, in column order. */
async function totalsRow(page: Page): Promise<string[]> {
  const row = page.locator('tr.report-totals');
  await row.waitFor();
  return (await row.locator('td').allInnerTexts()).map((t) => t.trim());
}

async function open(page: Page, report: string, extra = ''): Promise<void> {
  await page.goto(`/analytics/${report}?period=custom&from=${from}&to=${to}${extra}`);
}

async function sums(inn: string, dayFrom: string, dayTo: string) {
  const { rows } = await world.database.pool.query<{ op: number; n: number; total: string; cash: string; ecash: string; prepaid: string; credit: string; provision: string }>(
    `select operation_type as op, count(*)::int as n, coalesce(sum(total_sum), 0)::text as total,
            coalesce(sum(cash_total_sum), 0)::text as cash, coalesce(sum(ecash_total_sum), 0)::text as ecash, coalesce(sum(prepaid_sum), 0)::text as prepaid,
            coalesce(sum(credit_sum), 0)::text as credit, coalesce(sum(provision_sum), 0)::text as provision
       from documents where user_inn = $1 and form in (3, 4, 31, 41) and date_time >= $2::date and date_time < $3::date + 1
      group by 1`,
    [inn, dayFrom, dayTo],
  );
  const by = (op: number) => rows.find((r) => r.op === op);
  return {
    count: rows.reduce((s, r) => s + r.n, 0),
    net: rows.reduce((s, r) => s + SIGN[r.op]! * Number(r.total), 0),
    cashNet: rows.reduce((s, r) => s + SIGN[r.op]! * Number(r.cash), 0),
    cardNet: rows.reduce((s, r) => s + SIGN[r.op]! * Number(r.ecash), 0),
    prepaidNet: rows.reduce((s, r) => s + SIGN[r.op]! * Number(r.prepaid), 0),
    creditNet: rows.reduce((s, r) => s + SIGN[r.op]! * Number(r.credit), 0),
    provisionNet: rows.reduce((s, r) => s + SIGN[r.op]! * Number(r.provision), 0),
    sellCount: by(1)?.n ?? 0,
    revenue: Number(by(1)?.total ?? 0) - Number(by(2)?.total ?? 0),
  };
}

describe.skipIf(!CAN_RUN)('Аналитика in Chromium', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    world = await startWorld();
    // An owner of customer A, made through the API (sign-up is the cabinet journey's subject, not this one's).
    const signup = await fetch(`${world.base}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD, fullName: 'Ольга Аналитик', acceptOffer: true }),
    });
    expect(signup.status).toBe(201);
    const mail = await world.smtp.next(EMAIL, 15_000);
    const token = /confirm-email\?token=([\w-]+)/.exec(mail.text ?? '')?.[1];
    expect((await fetch(`${world.base}/api/v1/auth/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) })).status).toBe(200);
    expect((await world.operator('POST', `/api/v1/organizations/${world.a.organizationId}/members`, { email: EMAIL, role: 'owner' })).status).toBeLessThan(300);

    const span = (
      await world.database.pool.query<{ f: string; t: string }>(
        `select to_char(min(date_time), 'YYYY-MM-DD') as f, to_char(max(date_time), 'YYYY-MM-DD') as t from documents where user_inn = $1 and form in (3, 4, 31, 41)`,
        [world.a.inn],
      )
    ).rows[0]!;
    from = span.f;
    to = span.t;
    expected = await sums(world.a.inn, from, to);
    expect(expected.count).toBeGreaterThan(10);

    tab = await openTab(world);
    await tab.page.goto('/sign-in');
    await tab.page.getByLabel('Электронная почта').fill(EMAIL);
    await tab.page.getByLabel('Пароль').fill(PASSWORD);
    await tab.page.getByRole('button', { name: 'Войти', exact: true }).click();
    await tab.page.getByRole('heading', { name: 'Главная' }).waitFor();
  }, 240_000);
  afterAll(async () => {
    await world?.close();
  });

  it('payment types: net totals by type equal the stored receipts; the xlsx says the same; a day opens its receipts', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    await page.getByRole('menuitem', { name: 'Аналитика' }).click();
    await page.getByRole('heading', { name: 'Отчёт по типам оплат' }).waitFor();
    await open(page, 'payment-types');
    await page.getByText(`Период: ${from === to ? ddmmyyyy(from) : `${ddmmyyyy(from)} – ${ddmmyyyy(to)}`}.`).waitFor();
    // Дата, Признак расчёта, Чеков, Итого, Наличными, Безналичными, …
    await expect.poll(() => totalsRow(page), POLL).toEqual(expect.arrayContaining(['Итого']));
    const t = await totalsRow(page);
    expect(t.slice(2)).toEqual([count(expected.count), ...[expected.net, expected.cashNet, expected.cardNet, expected.prepaidNet, expected.creditNet, expected.provisionNet].map(rub)]);
    await page.getByRole('img', { name: /^Выручка по дням/ }).locator('svg').waitFor();
    await snap(page, 'payment-types');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Скачать Excel', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe('payment-types.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync((await download.path())!) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect((ws.getRow(1).values as unknown[]).slice(1, 5)).toEqual(['Дата', 'Признак расчёта', 'Чеков', 'Итого, ₽']);
    let totals: ExcelJS.Row | undefined;
    ws.eachRow((row) => {
      if (row.getCell(1).value === 'Итого') totals = row;
    });
    expect(totals, 'the xlsx has a totals row').toBeDefined();
    expect([totals!.getCell(3).value, totals!.getCell(4).value, totals!.getCell(5).value, totals!.getCell(6).value]).toEqual([
      expected.count,
      expected.net / 100,
      expected.cashNet / 100,
      expected.cardNet / 100,
    ]);
    expect(ws.getCell(2, 4).numFmt).toBe('#,##0.00');

    // The csv: `;`-separated with a decimal comma (Russian-locale Excel), the same net totals.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Скачать CSV', exact: true }).click()]);
    const lines = readFileSync((await csv.path())!, 'utf8').replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('Дата;Признак расчёта;Чеков;Итого, ₽;Наличными, ₽;Безналичными, ₽;Предоплата (аванс), ₽;Постоплата (кредит), ₽;Встречное предоставление, ₽');
    const plain = (k: number) => `${k < 0 ? '-' : ''}${Math.trunc(Math.abs(k) / 100)},${String(Math.abs(k) % 100).padStart(2, '0')}`;
    expect(lines.find((l) => l.startsWith('Итого;'))).toBe(`Итого;;${expected.count};${plain(expected.net)};${plain(expected.cashNet)};${plain(expected.cardNet)};${plain(expected.prepaidNet)};${plain(expected.creditNet)};${plain(expected.provisionNet)}`);

    // A day's figure opens the receipts behind it in Чеки.
    const day = page.locator('tbody tr.ant-table-row').first().locator('td').first().locator('a');
    const dayText = (await day.innerText()).trim();
    await day.click();
    await page.waitForURL((u) => u.pathname === '/receipts');
    const q = new URL(page.url()).searchParams;
    const iso = `${dayText.slice(6, 10)}-${dayText.slice(3, 5)}-${dayText.slice(0, 2)}`;
    expect([q.get('dateFrom'), q.get('dateTo')]).toEqual([`${iso}T00:00:00`, `${iso}T23:59:59`]);
    await page.locator('tbody tr.ant-table-row').first().waitFor();
  });

  it('outlets side by side, hours, СНО and VAT: the revenue, counts and net sums of the stored receipts', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    await open(page, 'outlets');
    await page.getByRole('heading', { name: 'Анализ торговых точек' }).waitFor();
    // Адрес, Место расчётов, РН ККТ, Чеков прихода, Приход, Чеков возврата, Возвраты, Выручка, Средний чек
    await expect.poll(async () => (await totalsRow(page))[7], POLL).toBe(rub(expected.revenue));
    expect((await totalsRow(page))[3]).toBe(count(expected.sellCount));
    const perRegister = (
      await world.database.pool.query<{ rn: string; revenue: string }>(
        `select ${RN} as rn, (coalesce(sum(total_sum) filter (where operation_type = 1), 0) - coalesce(sum(total_sum) filter (where operation_type = 2), 0))::text as revenue
           from documents d where user_inn = $1 and form in (3, 4, 31, 41) group by 1`,
        [world.a.inn],
      )
    ).rows;
    for (const r of perRegister) {
      await page.locator('tbody tr.ant-table-row', { hasText: r.rn }).filter({ hasText: rub(Number(r.revenue)) }).waitFor();
    }
    const cards = page.getByTestId('outlet-card');
    expect(await cards.count()).toBeGreaterThan(0);
    await snap(page, 'outlets');

    await page.getByRole('tab', { name: 'По часам' }).click();
    await page.waitForURL((u) => u.pathname === '/analytics/hours' && u.searchParams.get('from') === from);
    await page.getByRole('heading', { name: 'Выручка по часам' }).waitFor();
    // День недели, Час, Чеков прихода, Выручка
    await expect.poll(async () => (await totalsRow(page)).slice(2), POLL).toEqual([count(expected.sellCount), rub(expected.revenue)]);
    await page.getByRole('img', { name: 'Тепловая карта продаж по дням недели и часам' }).locator('svg').waitFor();
    await snap(page, 'hours');

    await page.getByRole('tab', { name: 'СНО' }).click();
    await page.getByRole('heading', { name: 'Отчёт по СНО' }).waitFor();
    await expect.poll(async () => (await totalsRow(page)).slice(2), POLL).toEqual([count(expected.count), rub(expected.net)]);

    await page.getByRole('tab', { name: 'НДС' }).click();
    await page.getByRole('heading', { name: 'Отчёт по НДС' }).waitFor();
    await expect.poll(async () => (await totalsRow(page)).slice(1, 3), POLL).toEqual([count(expected.count), rub(expected.net)]);
  });

  it('Z-report and shifts list every closed and opened shift of the period', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    const docs = async (form: number) =>
      (
        await world.database.pool.query<{ n: number }>(
          `select count(distinct (fn, shift_number))::int as n from documents where user_inn = $1 and form = $2 and date_time >= $3::date and date_time < $4::date + 1`,
          [world.a.inn, form, from, to],
        )
      ).rows[0]!.n;
    const closed = await docs(5);
    await open(page, 'z-report');
    await page.getByRole('heading', { name: 'Z-отчёт' }).waitFor();
    if (closed === 0) {
      await page.getByText('Нет закрытых смен за период').waitFor();
    } else {
      await expect.poll(() => page.locator('tbody tr.ant-table-row').count(), POLL).toBe(Math.min(50, closed));
      await page.getByText(/Все смены сходятся|Не сходится смен/).waitFor();
    }
    await snap(page, 'z-report');

    const openedShifts = await docs(2);
    await page.getByRole('tab', { name: 'Смены' }).click();
    await page.getByRole('heading', { name: 'Отчёт по сменам' }).waitFor();
    await expect.poll(() => page.locator('tbody tr.ant-table-row').count(), POLL).toBe(Math.min(50, openedShifts));
  });

  it('ABC/XYZ: the 3×3 matrix counts every item sold, lists a cell’s items, shows the thresholds and warns on a short period', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    const items = async (dayFrom: string, dayTo: string) =>
      (
        await world.database.pool.query<{ name: string }>(
          `select distinct i.name from receipt_items i join documents d on d.fn = i.fn and d.fd = i.fd
            where d.user_inn = $1 and d.form in (3, 4, 31, 41) and d.date_time >= $2::date and d.date_time < $3::date + 1 and i.name is not null`,
          [world.a.inn, dayFrom, dayTo],
        )
      ).rows.map((r) => r.name);
    // A week: too short for XYZ — the screen says so and shows A, B, C alone.
    const weekFrom = new Date(Date.parse(`${to}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
    await page.goto(`/analytics/abc-xyz?period=custom&from=${weekFrom}&to=${to}`);
    await page.getByText(/Период слишком короткий для XYZ-анализа/).waitFor();
    const weekItems = await items(weekFrom, to);
    const cellSum = async (keys: string[]) => {
      let n = 0;
      for (const k of keys) n += Number(await page.getByTestId(`abc-cell-${k}`).innerText());
      return n;
    };
    await expect.poll(() => cellSum(['A', 'B', 'C']), POLL).toBe(weekItems.length);
    await page.getByText(/^A — товары, дающие первые 80 % выручки/).waitFor();
    await snap(page, 'abc-short');

    // Five weeks up to the last sale: long enough to judge XYZ, the 3×3 matrix holds every item.
    const longFrom = new Date(Date.parse(`${to}T00:00:00Z`) - 34 * 86_400_000).toISOString().slice(0, 10);
    await page.goto(`/analytics/abc-xyz?period=custom&from=${longFrom}&to=${to}`);
    await page.getByText('XYZ не определён').waitFor({ state: 'detached' });
    const keys = ['AX', 'AY', 'AZ', 'BX', 'BY', 'BZ', 'CX', 'CY', 'CZ'];
    await expect.poll(() => cellSum(keys), POLL).toBe((await items(longFrom, to)).length);
    expect(await page.getByText(/Период слишком короткий/).count()).toBe(0);
    const cell = page.getByRole('button', { name: /^Группа [ABC][XYZ]?: [1-9]/ }).first();
    const label = (await cell.getAttribute('aria-label'))!;
    await cell.click();
    const group = /Группа (\w+): (\d+)/.exec(label)!;
    await expect.poll(() => page.getByRole('region', { name: `Товары группы ${group[1]}` }).locator('.ant-list-item').count(), POLL).toBe(Math.min(10, Number(group[2])));
    await snap(page, 'abc');
  });

  it('the FN schedule names the register page’s end date for each FN, soonest first, with the reason', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    const fn = world.a.fns[0]!;
    const registerId = (await world.database.pool.query<{ id: number }>('select id::int as id from registers where registration_number = $1', [world.a.registrationNumbers[0]])).rows[0]!.id;
    await page.goto(`/registers/${registerId}`);
    const driveRow = page.locator('tr', { hasText: fn }).filter({ hasText: 'дн.' }).first();
    await driveRow.waitFor();
    // ФН, Зарегистрирован, Действует до «01.01.2028 (392 дн.)», …
    const registerDate = /^\d{2}\.\d{2}\.\d{4}/.exec((await driveRow.locator('td').nth(2).innerText()).trim())![0];

    await page.goto('/analytics/fn-schedule');
    await page.getByRole('heading', { name: 'График замены ФН и ОФД' }).waitFor();
    const row = page.locator('tbody tr.ant-table-row', { hasText: fn });
    await row.waitFor();
    // РН ККТ, ФН, Регистрация, Срок, Окончание срока, …
    expect((await row.locator('td').nth(4).innerText()).trim()).toBe(registerDate);
    const events = page.getByTestId('fn-event');
    await events.first().waitFor();
    const fnEvent = page.locator(`[data-testid="fn-event"][data-fn="${fn}"][data-what="fn"]`);
    expect((await fnEvent.innerText()).length).toBeGreaterThan(20);
    const dates = (await events.allInnerTexts()).map((t) => /^(\d{2})\.(\d{2})\.(\d{4})/.exec(t)).map((m) => (m ? `${m[3]}-${m[2]}-${m[1]}` : '9999-12-31'));
    expect(dates).toEqual([...dates].sort());
    for (const other of world.b.fns) expect(await page.locator(`[data-fn="${other}"]`).count()).toBe(0);
    await snap(page, 'fn-schedule');

    // Непереданные ФД: the gaps in FD numbers of A's drives, or the all-clear.
    const missing = (
      await world.database.pool.query<{ n: number }>('select coalesce(sum(to_fd - from_fd + 1), 0)::int as n from fd_gaps where fn = any($1::text[])', [world.a.fns])
    ).rows[0]!.n;
    await page.goto('/analytics/unsent');
    await page.getByRole('heading', { name: 'Непереданные документы' }).waitFor();
    if (missing === 0) await page.getByText('Пропусков нет: все документы переданы').waitFor();
    else await expect.poll(async () => (await totalsRow(page))[3], POLL).toBe(count(missing));
  });

  it('exports the period’s receipts in the background with progress, and lists the file in «Выгрузки»', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    await open(page, 'payment-types');
    await page.getByText('Выгрузить чеки периода').click();
    await page.getByRole('button', { name: 'Чеки периода: Excel' }).click();
    const save = page.getByRole('button', { name: /^Скачать receipt_items-\d+\.xlsx/ });
    await save.waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), save.click()]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync((await download.path())!) as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.rowCount).toBeGreaterThan(2);

    await page.getByRole('link', { name: 'Все выгрузки' }).click();
    await page.getByRole('heading', { name: 'Выгрузки' }).waitFor();
    await page.locator('tbody tr.ant-table-row', { hasText: 'Готово' }).first().waitFor();
    // A schedule: after each closed shift, as xlsx, to the owners.
    await page.getByRole('button', { name: 'Добавить' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Сохранить' }).click();
    await page.getByText('После закрытия каждой смены · Чеки с предметами расчёта · xlsx · все кассы · владельцам и администраторам').waitFor();
    const stored = await until('the setting stored', async () => {
      const r = await world.database.pool.query('select schedule, format from export_settings where organization_id = $1', [world.a.organizationId]);
      return r.rows.length > 0 ? r.rows : undefined;
    });
    expect(stored).toEqual([{ schedule: 'shift_closed', format: 'xlsx' }]);
    await snap(page, 'exports');
  });

  it('exports a filtered receipt list from Чеки as xlsx, one row per receipt of the filter', async (ctx) => {
    shotOnFailure(ctx, () => tab.page);
    const { page } = tab;
    const registerId = (await world.database.pool.query<{ id: number }>('select id::int as id from registers where registration_number = $1', [world.a.registrationNumbers[2]])).rows[0]!.id;
    const receipts = (
      await world.database.pool.query<{ n: number; net: string }>(
        `select count(*)::int as n, coalesce(sum(total_sum), 0)::text as net from documents d where user_inn = $1 and ${RN} = $2 and form = 3 and operation_type = 1`,
        [world.a.inn, world.a.registrationNumbers[2]],
      )
    ).rows[0]!;
    await page.goto(`/receipts?registerId=${registerId}&operationType=1`);
    await page.locator('tbody tr.ant-table-row').first().waitFor();
    await page.getByText('Выгрузить чеки списка (Excel, CSV)').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Скачать Excel', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe('receipts.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync((await download.path())!) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    let rows = 0;
    let totals: ExcelJS.Row | undefined;
    ws.eachRow((row, i) => {
      if (i === 1) return;
      if (row.getCell(1).value === 'Итого') totals = row;
      else if (!totals) rows += 1;
    });
    expect(rows).toBe(receipts.n);
    expect(totals?.values as unknown[]).toContain(Number(receipts.net) / 100);
  });

  it('fits a 375 px phone, and a copied link reproduces the filtered view', async (ctx) => {
    const phone = await openTab(world, { width: 375, height: 812 });
    shotOnFailure(ctx, () => phone.page);
    try {
      await phone.context.addCookies(await tab.context.cookies());
      const registerId = (await world.database.pool.query<{ id: number }>('select id::int as id from registers where registration_number = $1', [world.a.registrationNumbers[1]])).rows[0]!.id;
      await open(phone.page, 'outlets', `&registerId=${registerId}`);
      await phone.page.getByRole('heading', { name: 'Анализ торговых точек' }).waitFor();
      const one = (
        await world.database.pool.query<{ revenue: string }>(
          `select (coalesce(sum(total_sum) filter (where operation_type = 1), 0) - coalesce(sum(total_sum) filter (where operation_type = 2), 0))::text as revenue
             from documents d where user_inn = $1 and ${RN} = $2 and form in (3, 4, 31, 41)`,
          [world.a.inn, world.a.registrationNumbers[1]],
        )
      ).rows[0]!;
      await expect.poll(async () => (await totalsRow(phone.page))[7], POLL).toBe(rub(Number(one.revenue)));
      await phone.page.getByRole('combobox', { name: 'Касса', exact: true }).waitFor();
      // What sticks out, if anything: the message names it.
      const wide = await phone.page.evaluate<string[]>(
        `[...document.querySelectorAll('#main *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && ![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1) && !e.closest('.ant-table-content, .ant-tabs-nav-wrap')).slice(0, 5).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`,
      );
      expect(await phone.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'), wide.join('\n')).toBeLessThanOrEqual(0);
      await snap(phone.page, 'phone');
    } finally {
      await phone.context.close();
    }
  });
});
