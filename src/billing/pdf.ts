/**
 * Invoices (счёт на оплату) and monthly acts (акт оказанных услуг) as PDF (issue 17), drawn with pdfkit in a Cyrillic
 * TTF (OFD_PDF_FONT, DejaVu Sans by default: its Bitstream Vera licence allows embedding).
 */
import PDFDocument from 'pdfkit';
import type { OperatorRequisites } from '../config.js';
import { formatRubles } from '../domain/money.js';

export interface Party {
  readonly name: string;
  readonly inn: string;
}

/** 150000 → "1 500,00" (the shared formatter; no-break spaces keep an amount on one line). */
export const rubles = (kopecks: number): string => formatRubles(kopecks, false);

/** `YYYY-MM-DD` → `DD.MM.YYYY`. */
export const russianDate = (day: string): string => `${day.slice(8, 10)}.${day.slice(5, 7)}.${day.slice(0, 4)}`;

function render(font: string, draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: 'ОФД', Producer: 'ofd-gateway' } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      doc.registerFont('main', font);
      doc.font('main');
      draw(doc);
      doc.end();
    } catch (e) {
      reject(e as Error);
    }
  });
}

function supplierBlock(doc: PDFKit.PDFDocument, r: OperatorRequisites): void {
  doc.fontSize(9);
  doc.text(`Банк получателя: ${r.bank}`);
  doc.text(`БИК ${r.bik}   Корр. счёт № ${r.correspondentAccount}`);
  doc.text(`Получатель: ${r.name}`);
  doc.text(`ИНН ${r.inn}${r.kpp ? `   КПП ${r.kpp}` : ''}   Расчётный счёт № ${r.account}`);
  if (r.address) doc.text(`Адрес: ${r.address}`);
  doc.moveDown();
}

export interface InvoicePdf {
  readonly number: string;
  readonly issuedOn: string;
  readonly amount: number;
  readonly buyer: Party;
}

export function renderInvoicePdf(font: string, requisites: OperatorRequisites, inv: InvoicePdf): Promise<Buffer> {
  return render(font, (doc) => {
    supplierBlock(doc, requisites);
    doc.fontSize(16).text(`Счёт на оплату № ${inv.number} от ${russianDate(inv.issuedOn)}`);
    doc.moveDown(0.5).fontSize(10);
    doc.text(`Поставщик: ${requisites.name}, ИНН ${requisites.inn}`);
    doc.text(`Покупатель: ${inv.buyer.name}, ИНН ${inv.buyer.inn}`);
    doc.moveDown();
    doc.text('№   Наименование                                              Кол-во   Сумма, ₽');
    doc.text(`1   Пополнение лицевого счёта: услуги оператора фискальных данных   1   ${rubles(inv.amount)}`);
    doc.moveDown();
    doc.fontSize(12).text(`Итого к оплате: ${formatRubles(inv.amount)}`);
    doc.fontSize(10).text('Без налога (НДС).');
    doc.moveDown();
    doc.text(`В назначении платежа обязательно укажите номер счёта ${inv.number}: по нему платёж зачисляется на лицевой счёт.`);
  });
}

export interface ActLine {
  readonly title: string;
  readonly amount: number;
}

export interface ActPdf {
  readonly number: string;
  /** `YYYY-MM`. */
  readonly month: string;
  /** The last day of the month, `YYYY-MM-DD`. */
  readonly issuedOn: string;
  readonly customer: Party;
  readonly lines: readonly ActLine[];
}

export function renderActPdf(font: string, requisites: OperatorRequisites, act: ActPdf): Promise<Buffer> {
  const total = act.lines.reduce((s, l) => s + l.amount, 0);
  return render(font, (doc) => {
    doc.fontSize(16).text(`Акт оказанных услуг № ${act.number} от ${russianDate(act.issuedOn)}`);
    doc.moveDown(0.5).fontSize(10);
    doc.text(`Исполнитель: ${requisites.name}, ИНН ${requisites.inn}${requisites.kpp ? `, КПП ${requisites.kpp}` : ''}`);
    doc.text(`Заказчик: ${act.customer.name}, ИНН ${act.customer.inn}`);
    doc.text(`Период: ${act.month.slice(5, 7)}.${act.month.slice(0, 4)}`);
    doc.moveDown();
    act.lines.forEach((l, i) => doc.text(`${i + 1}   ${l.title}   ${rubles(l.amount)}`));
    doc.moveDown();
    doc.fontSize(12).text(`Итого: ${formatRubles(total)}`);
    doc.fontSize(10).text('Без налога (НДС).');
    doc.moveDown();
    doc.text('Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по объёму, качеству и срокам оказания услуг не имеет.');
    doc.moveDown(2);
    doc.text('Исполнитель ____________________          Заказчик ____________________');
  });
}
