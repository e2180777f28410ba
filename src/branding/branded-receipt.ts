/**
 * A stored receipt in its organization's brand: the e-mail (HTML with the logo, the banners' pictures and the QR as
 * inline `cid:` images, and a plain-text part for clients that show no HTML) and the buyer's web page (the same markup,
 * images as data: URIs).
 */
import type { EmailMessage } from '../adapters/email/email-sender.js';
import { formatRubles } from '../domain/money.js';
import type { Brand } from '../domain/brand.js';
import { dataUri, qrPng, qrSvg } from './receipt-qr.js';
import { renderBrandedReceipt } from './receipt-html.js';

type Json = Record<string, unknown>;

export interface ReceiptContent {
  readonly formName: string;
  readonly doc: Json;
  /** The FNS QR string, or null when the document lacks a field of it. */
  readonly qr: string | null;
}

export const QR_CID = 'receipt-qr@ofd';
export const LOGO_CID = 'brand-logo@ofd';
/** The picture of banner `index` (0-based) as an e-mail part. */
export const bannerCid = (index: number): string => `brand-banner-${index + 1}@ofd`;

const EXTENSION: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif' };

function subjectOf(c: ReceiptContent): string {
  const seller = typeof c.doc['user'] === 'string' ? c.doc['user'].trim() : '';
  return `Кассовый чек № ${String(c.doc['fiscalDocumentNumber'] ?? '')}${seller ? ` — ${seller}` : ''}`;
}

/** The plain-text part: what the HTML says, line by line. */
export function receiptPlainText(c: ReceiptContent, brand: Brand, pageUrl?: string): string {
  const d = c.doc;
  const items = Array.isArray(d['items']) ? (d['items'] as Json[]) : [];
  const money = (v: unknown) => (typeof v === 'number' ? formatRubles(v) : '');
  const lines = [
    brand.headerText,
    subjectOf(c),
    typeof d['userInn'] === 'string' ? `ИНН: ${d['userInn'].trim()}` : '',
    typeof d['dateTime'] === 'string' ? `Дата и время: ${d['dateTime'].replace('T', ' ')}` : '',
    ...items.map((it) => `${String(it['name'] ?? '')}: ${String(it['quantity'] ?? '')} × ${money(it['price'])} = ${money(it['sum'])}`),
    typeof d['totalSum'] === 'number' ? `ИТОГ: ${money(d['totalSum'])}` : '',
    `ФН: ${String(d['fiscalDriveNumber'] ?? '')}  ФД: ${String(d['fiscalDocumentNumber'] ?? '')}  ФПД: ${String(d['fiscalSign'] ?? '')}`,
    c.qr ? `Проверка чека в ФНС: ${c.qr}` : '',
    pageUrl ? `Чек в браузере: ${pageUrl}` : '',
    ...brand.banners.map((b) => `${b.title || b.alt || 'Баннер'}${b.text ? ` — ${b.text}` : ''}: ${b.url}`),
    brand.footerText,
  ];
  return `${lines.filter((l) => l.trim() !== '').join('\n')}\n`;
}

/** The e-mail of a receipt, without the recipient. */
export async function brandedReceiptEmail(c: ReceiptContent, brand: Brand, pageUrl?: string): Promise<Omit<EmailMessage, 'to'>> {
  const attachments: NonNullable<EmailMessage['attachments']>[number][] = [];
  if (c.qr) attachments.push({ filename: 'qr.png', content: await qrPng(c.qr), contentType: 'image/png', cid: QR_CID });
  if (brand.logo) {
    attachments.push({ filename: `logo.${EXTENSION[brand.logo.contentType] ?? 'img'}`, content: brand.logo.data, contentType: brand.logo.contentType, cid: LOGO_CID });
  }
  // Banner pictures travel like the logo: inline parts, so the message needs nothing from outside to show them.
  brand.banners.forEach((b, i) => {
    if (b.image) attachments.push({ filename: `banner-${i + 1}.${EXTENSION[b.image.contentType] ?? 'img'}`, content: b.image.data, contentType: b.image.contentType, cid: bannerCid(i) });
  });
  const html = renderBrandedReceipt({
    ...c,
    brand,
    images: {
      ...(c.qr ? { qr: `cid:${QR_CID}` } : {}),
      ...(brand.logo ? { logo: `cid:${LOGO_CID}` } : {}),
      banners: brand.banners.map((b, i) => (b.image ? `cid:${bannerCid(i)}` : undefined)),
    },
    ...(pageUrl ? { pageUrl } : {}),
  });
  return { subject: subjectOf(c), text: receiptPlainText(c, brand, pageUrl), html, attachments };
}

/** The buyer's receipt page (and the cabinet's preview): self-contained, images inline. */
export async function brandedReceiptPage(c: ReceiptContent, brand: Brand): Promise<string> {
  return renderBrandedReceipt({
    ...c,
    brand,
    images: {
      ...(c.qr ? { qr: dataUri('image/svg+xml', await qrSvg(c.qr)) } : {}),
      ...(brand.logo ? { logo: dataUri(brand.logo.contentType, brand.logo.data) } : {}),
      banners: brand.banners.map((b) => (b.image ? dataUri(b.image.contentType, b.image.data) : undefined)),
    },
  });
}
