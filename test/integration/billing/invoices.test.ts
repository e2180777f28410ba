// Invoices, bank statements and acts through the API on a real PostgreSQL; the PDFs are read back with pdftotext
// (poppler-utils) so the test sees what a person would: the requisites, the number, the sums, in Russian.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperatorRequisites } from '../../../src/config.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { addMember, asOperator, bearer, createOrganization, startApi, userToken, type ApiHarness } from '../api/api-test-helpers.js';

const REQUISITES: OperatorRequisites = {
  name: 'ООО «Тестовый ОФД»',
  inn: '7704211201',
  kpp: '770401001',
  address: 'г. Москва, ул. Тестовая, д. 1',
  bank: 'АО «Тестбанк»',
  bik: '044525974',
  account: '40702810900000012345',
  correspondentAccount: '30101810145250000974',
};

function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'ofd-pdf-'));
  try {
    writeFileSync(join(dir, 'doc.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', join(dir, 'doc.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('invoices, bank statements and acts', () => {
  let h: ApiHarness;
  let org: number;
  let inn: string;
  let owner: string;
  let invoice: { id: number; number: string; pdfUrl: string };

  const balance = async () => (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/balance`, headers: bearer(owner) })).json<{ balance: number }>().balance;
  const importStatement = (format: '1c' | 'csv', body: Buffer | string) =>
    h.app.inject({ method: 'POST', url: `/api/v1/billing/bank-statements?format=${format}`, headers: { ...asOperator, 'content-type': 'text/plain' }, payload: body });

  beforeAll(async () => {
    h = await startApi({ requisites: REQUISITES });
    inn = withInnCheckDigits('770700001');
    org = await createOrganization(h, inn, 'ООО «Покупатель»');
    owner = (await userToken(h, 'owner@invoice.test')).token;
    await addMember(h, org, 'owner@invoice.test', 'owner');
  });
  afterAll(() => h.close());

  it('issues an invoice once per request key, as a PDF with the operator’s requisites and the number to quote', async () => {
    const r = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org}/invoices`, headers: bearer(owner), payload: { amount: 1_250_050, idempotencyKey: 'invoice-0001' } });
    expect(r.statusCode).toBe(201);
    invoice = r.json();
    expect(invoice.number).toMatch(/^OFD-\d{4}-\d{6}$/);
    const again = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org}/invoices`, headers: bearer(owner), payload: { amount: 1_250_050, idempotencyKey: 'invoice-0001' } });
    expect([again.statusCode, again.json<{ number: string }>().number]).toEqual([200, invoice.number]);
    const pdf = await h.app.inject({ method: 'GET', url: invoice.pdfUrl, headers: bearer(owner) });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = pdfText(pdf.rawPayload);
    expect(text).toContain(`Счёт на оплату № ${invoice.number}`);
    expect(text).toContain('ООО «Тестовый ОФД»');
    expect(text).toContain('БИК 044525974');
    expect(text).toContain('40702810900000012345');
    expect(text).toContain(`ООО «Покупатель», ИНН ${inn}`);
    expect(text).toContain('Итого к оплате: 12 500,50 ₽');
  });

  it('pays the invoice from a 1C statement in Windows-1251 by the number in the purpose, once however often it is imported', async () => {
    const statement = [
      '1CClientBankExchange',
      'ВерсияФормата=1.03',
      'Кодировка=Windows',
      'СекцияРасчСчет',
      `РасчСчет=${REQUISITES.account}`,
      'КонецРасчСчет',
      'СекцияДокумент=Платежное поручение',
      'Номер=512',
      'Дата=05.12.2026',
      'Сумма=12500.50',
      `ПлательщикИНН=${inn}`,
      'Плательщик1=ООО «Покупатель»',
      `ПолучательСчет=${REQUISITES.account}`,
      `НазначениеПлатежа=Оплата по счёту ${invoice.number.toLowerCase()} за услуги ОФД. Без НДС`,
      'КонецДокумента',
      'СекцияДокумент=Платежное поручение',
      'Номер=513',
      'Дата=05.12.2026',
      'Сумма=999.00',
      'ПлательщикИНН=7700000000',
      `ПолучательСчет=${REQUISITES.account}`,
      'НазначениеПлатежа=Оплата без номера счёта',
      'КонецДокумента',
      'СекцияДокумент=Платежное поручение',
      'Номер=77',
      'Дата=05.12.2026',
      'Сумма=5000.00',
      `ПлательщикСчет=${REQUISITES.account}`,
      'ПолучательСчет=40702810000000099999',
      'НазначениеПлатежа=Исходящий платёж оператора',
      'КонецДокумента',
      'КонецФайла',
    ].join('\r\n');
    const bytes = iconv.encode(statement, 'win1251');
    const r = await importStatement('1c', bytes);
    expect(r.json()).toMatchObject({ lines: 2, matched: 1, unmatched: 1, duplicates: 0 });
    // Each incoming payment with its fate: which invoice and whose, or none.
    expect(r.json<{ payments: unknown[] }>().payments).toEqual([
      {
        documentNumber: '512',
        paidOn: '2026-12-05',
        amount: 1_250_050,
        payerInn: inn,
        payerName: 'ООО «Покупатель»',
        purpose: `Оплата по счёту ${invoice.number.toLowerCase()} за услуги ОФД. Без НДС`,
        outcome: 'matched',
        invoiceNumber: invoice.number,
        organization: { id: org, name: 'ООО «Покупатель»', inn },
      },
      {
        documentNumber: '513',
        paidOn: '2026-12-05',
        amount: 99_900,
        payerInn: '7700000000',
        payerName: null,
        purpose: 'Оплата без номера счёта',
        outcome: 'unmatched',
        invoiceNumber: null,
        organization: null,
      },
    ]);
    expect(await balance()).toBe(1_250_050);
    const again = (await importStatement('1c', bytes)).json<{ payments: Array<{ outcome: string }> }>();
    expect(again).toMatchObject({ lines: 2, matched: 0, unmatched: 0, duplicates: 2 });
    expect(again.payments.map((p) => p.outcome)).toEqual(['duplicate', 'duplicate']);
    expect(await balance()).toBe(1_250_050);
    const docs = (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/billing-documents`, headers: bearer(owner) })).json<{ items: Array<{ kind: string; number: string; status: string }> }>();
    expect(docs.items).toContainEqual(expect.objectContaining({ kind: 'invoice', number: invoice.number, status: 'paid' }));
    const unmatched = (await h.app.inject({ method: 'GET', url: '/api/v1/billing/bank-statements/unmatched', headers: asOperator })).json<{ items: Array<{ documentNumber: string; amount: number }> }>();
    expect(unmatched.items).toEqual([expect.objectContaining({ documentNumber: '513', amount: 99_900 })]);
  });

  it('reads a CSV statement too, and refuses a malformed one with the line at fault', async () => {
    const issued = (await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org}/invoices`, headers: bearer(owner), payload: { amount: 10_000, idempotencyKey: 'invoice-0002' } })).json<{ number: string }>();
    const csv = `date;number;amount;payerInn;payerName;purpose\n2026-12-05;900;100,00;${inn};"ООО ""Покупатель""";Оплата по счёту ${issued.number}\n`;
    expect((await importStatement('csv', csv)).json()).toMatchObject({ lines: 1, matched: 1, unmatched: 0, duplicates: 0, payments: [{ invoiceNumber: issued.number, amount: 10_000, payerName: 'ООО "Покупатель"' }] });
    expect(await balance()).toBe(1_260_050);
    const bad = await importStatement('csv', 'date;number;amount\n2026-12-05;901;сто рублей\n');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'body.line2' }] });
    expect((await importStatement('1c', 'not a statement')).json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/billing/bank-statements?format=csv', headers: { ...bearer(owner), 'content-type': 'text/plain' }, payload: csv })).statusCode).toBe(403);
  });

  it('draws the month’s act from what was charged, listed in «Документы»', async () => {
    await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${org}/market/purchases`, headers: bearer(owner), payload: { product: 'sms-500', idempotencyKey: 'act-sms-0001' } });
    const docs = (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/billing-documents`, headers: bearer(owner) })).json<{ items: Array<{ kind: string; amount: number; pdfUrl: string }> }>();
    const act = docs.items.find((d) => d.kind === 'act')!;
    expect(act.amount).toBe(49_900);
    const pdf = await h.app.inject({ method: 'GET', url: act.pdfUrl, headers: bearer(owner) });
    const text = pdfText(pdf.rawPayload);
    expect(text).toContain('Акт оказанных услуг №');
    expect(text).toContain('Пакеты SMS для отправки электронных чеков 499,00');
    expect(text).toContain('Итого: 499,00 ₽');
    expect(text).toContain(`Заказчик: ООО «Покупатель», ИНН ${inn}`);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${org}/acts/2020-01/pdf`, headers: bearer(owner) })).statusCode).toBe(404);
  });
});
