/**
 * What an e-receipt says, per channel: the e-mail in the organization's brand, the SMS, the Viber message, and the QR
 * string they carry. No I/O.
 */
import type { EmailMessage } from '../../adapters/email/email-sender.js';
import { formatRubles } from '../../domain/money.js';
import { fnsQrString } from '../../domain/receipt-view.js';
import { DEFAULT_BRAND, type Brand } from '../../domain/brand.js';
import { brandedReceiptEmail } from '../../branding/branded-receipt.js';
import type { ReceiptSource } from '../../db/notify.repository.js';

export function receiptQrOf(doc: ReceiptSource): string | null {
  if (doc.date_time === null || doc.total_sum === null || doc.fiscal_sign === null || doc.operation_type === null) return null;
  return fnsQrString({ dateTime: doc.date_time, totalSum: doc.total_sum, fn: doc.fn, fd: doc.fd, fiscalSign: doc.fiscal_sign, operationType: doc.operation_type });
}

export function body(doc: ReceiptSource): { formName: string; json: Record<string, unknown> } {
  const [formName, b] = Object.entries(doc.fns_json)[0] ?? ['document', {}];
  return { formName, json: typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : {} };
}

/** The e-mail of a receipt in the organization's brand: subject, plain text, HTML and its inline images. */
export async function receiptEmail(doc: ReceiptSource, brand: Brand = DEFAULT_BRAND, pageUrl?: string): Promise<Omit<EmailMessage, 'to'>> {
  const { formName, json } = body(doc);
  // The numbers come from the stored columns when the FNS JSON lacks them (a partial document still names itself).
  const named = { fiscalDocumentNumber: doc.fd, fiscalDriveNumber: doc.fn, ...json };
  return brandedReceiptEmail({ formName, doc: named, qr: receiptQrOf(doc) }, brand, pageUrl);
}

/**
 * The SMS of a receipt: short, with the sum and either the short link to the buyer's receipt page (when the public
 * URL is known) or the QR string itself (what the FNS app checks).
 */
export function receiptSms(doc: ReceiptSource, link?: string): string {
  const qr = receiptQrOf(doc);
  const sum = doc.total_sum === null ? '' : ` на ${formatRubles(doc.total_sum)}`;
  if (link) return `Чек ФД ${doc.fd}${sum}: ${link}`;
  return `Чек ФД ${doc.fd}${sum} ФН ${doc.fn}${qr ? `. Проверка: ${qr}` : ''}`;
}

/** The Viber message of a receipt: the seller, the sum and the link (also as the message's button). */
export function receiptViberText(doc: ReceiptSource, link?: string): string {
  const seller = body(doc).json['user'];
  const from = typeof seller === 'string' && seller.trim() !== '' ? ` от ${seller.trim()}` : '';
  const sum = doc.total_sum === null ? '' : ` на ${formatRubles(doc.total_sum)}`;
  return `Кассовый чек${from}${sum}, ФД ${doc.fd}.${link ? ` Открыть чек: ${link}` : ` ${receiptSms(doc)}`}`;
}
