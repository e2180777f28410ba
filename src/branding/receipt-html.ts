/**
 * A branded receipt as HTML that survives mail clients: nested tables, inline styles, `bgcolor` attributes beside the
 * CSS (Outlook's Word engine ignores much CSS), no external resources, a 600-px column that shrinks on a phone. The
 * same markup is the buyer's receipt page and the cabinet's preview; only the image sources differ (`cid:` parts in
 * e-mail, data: URIs on a page).
 */
import { formatRubles } from '../domain/money.js';
import { escapeHtml } from '../domain/receipt-view.js';
import { textColorOn, type Banner, type Brand } from '../domain/brand.js';
import { bannerDisplaySize, logoDisplaySize } from './logo.js';

type Json = Record<string, unknown>;

export interface ReceiptImages {
  /** `src` of the logo image (when the brand has one). */
  readonly logo?: string;
  /** `src` of the QR image. */
  readonly qr?: string;
  /** `src` of each banner's picture, by the banner's index (none: the banner has no picture). */
  readonly banners?: readonly (string | undefined)[];
}

export interface ReceiptHtmlInput {
  readonly formName: string;
  readonly doc: Json;
  readonly qr: string | null;
  readonly brand: Brand;
  readonly images: ReceiptImages;
  /** The buyer's receipt page, linked from e-mails ("open in the browser"). */
  readonly pageUrl?: string;
}

const OPERATION = new Map([
  [1, 'Приход'],
  [2, 'Возврат прихода'],
  [3, 'Расход'],
  [4, 'Возврат расхода'],
]);

const FONT = 'font-family:Arial,Helvetica,sans-serif';
const text = (v: unknown): string => (v === undefined || v === null ? '' : escapeHtml(String(v).trim()));
const money = (v: unknown): string => (typeof v === 'number' ? formatRubles(v) : '');
/** Line breaks typed into header and footer texts are kept. */
const multiline = (s: string): string => escapeHtml(s).replace(/\r?\n/g, '<br>');

function row(label: string, value: string, bold = false): string {
  if (value === '') return '';
  const weight = bold ? 'font-weight:bold;' : '';
  return `<tr><td style="${FONT};font-size:13px;color:#555555;padding:2px 0">${label}</td><td align="right" style="${FONT};font-size:13px;color:#222222;padding:2px 0;${weight}">${value}</td></tr>`;
}

function itemsTable(doc: Json): string {
  const items = Array.isArray(doc['items']) ? (doc['items'] as Json[]) : [];
  if (items.length === 0) return '';
  const cell = `${FONT};font-size:13px;color:#222222;padding:4px 0;border-bottom:1px solid #eeeeee;vertical-align:top`;
  const rows = items
    .map(
      (it) =>
        `<tr><td style="${cell}">${text(it['name'])}<br><span style="color:#777777;font-size:12px">${text(it['quantity'])} × ${money(it['price'])}</span></td>` +
        `<td align="right" style="${cell};white-space:nowrap;padding-left:8px">${money(it['sum'])}</td></tr>`,
    )
    .join('');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse">${rows}</table>`;
}

function header(brand: Brand, images: ReceiptImages, seller: string): string {
  const fg = textColorOn(brand.primaryColor);
  const size = brand.logo ? logoDisplaySize(brand.logo) : undefined;
  const logo =
    images.logo && size
      ? `<img src="${escapeHtml(images.logo)}" width="${size.width}" height="${size.height}" alt="${seller || 'Логотип'}" style="display:block;border:0;outline:none;margin:0 0 8px 0">`
      : '';
  const line = brand.headerText === '' ? '' : `<div style="${FONT};font-size:14px;color:${fg};line-height:20px" data-brand="header">${multiline(brand.headerText)}</div>`;
  return `<tr><td bgcolor="${brand.primaryColor}" style="background-color:${brand.primaryColor};padding:16px 24px" data-brand="primary">${logo}${line}</td></tr>`;
}

/**
 * The picture as a link: `width`/`height` attributes for Outlook, which ignores CSS sizes; `width:100%` up to its own
 * width so it shrinks on a phone. The alt text is what a client that blocks images shows in its place.
 */
function bannerPicture(b: Banner, src: string, link: string): string {
  const size = bannerDisplaySize(b.image!);
  const alt = escapeHtml(b.alt || b.title || 'Баннер');
  return (
    `<a href="${link}" target="_blank" rel="noopener" style="display:block;text-decoration:none" data-brand="banner-image-link">` +
    `<img src="${escapeHtml(src)}" width="${size.width}" height="${size.height}" alt="${alt}" data-brand="banner-image" ` +
    `style="display:block;border:0;outline:none;width:100%;max-width:${size.width}px;height:auto;border-radius:6px;${FONT};font-size:14px;color:#555555"></a>`
  );
}

function bannerBlock(b: Banner, brand: Brand, link: string): string {
  if (b.title === '' && b.text === '') return '';
  const fg = textColorOn(brand.accentColor);
  const title = b.title === '' ? '' : `<a href="${link}" target="_blank" rel="noopener" style="${FONT};font-size:15px;font-weight:bold;color:${fg};text-decoration:none">${escapeHtml(b.title)}</a>`;
  const line = b.text === '' ? '' : `<div style="${FONT};font-size:13px;color:${fg};${title === '' ? '' : 'padding-top:4px'}">${escapeHtml(b.text)}</div>`;
  return (
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>` +
    `<td bgcolor="${brand.accentColor}" style="background-color:${brand.accentColor};padding:12px 16px;border-radius:6px" data-brand="banner">${title}${line}</td></tr></table>`
  );
}

/** Each banner: its picture, its coloured block of title and text, or the picture with the block under it. */
function banners(brand: Brand, images: ReceiptImages): string {
  return brand.banners
    .map((b, i) => {
      // The schema lets only http(s) links through; escaped all the same, as everything that reaches an attribute.
      const link = escapeHtml(b.url);
      const src = b.image ? images.banners?.[i] : undefined;
      const picture = src ? bannerPicture(b, src, link) : '';
      const block = bannerBlock(b, brand, link);
      // Nothing to show (a picture-only banner whose picture is missing): no empty row either.
      if (picture === '' && block === '') return '';
      const gap = picture !== '' && block !== '' ? '<div style="height:6px;line-height:6px;font-size:6px">&nbsp;</div>' : '';
      return `<tr><td style="padding:8px 24px 0 24px">${picture}${gap}${block}</td></tr>`;
    })
    .join('');
}

function qrBlock(qr: string | null, images: ReceiptImages): string {
  if (qr === null) return '';
  const image = images.qr ? `<img src="${escapeHtml(images.qr)}" width="164" height="164" alt="QR-код для проверки чека в ФНС" style="display:block;border:0;margin:0 auto">` : '';
  return (
    `<tr><td align="center" style="padding:16px 24px 0 24px">${image}` +
    `<div id="fns-qr" data-qr="${escapeHtml(qr)}" style="${FONT};font-size:11px;color:#777777;word-break:break-all;padding-top:4px">${escapeHtml(qr)}</div></td></tr>`
  );
}

/** The whole document: `<!doctype html>` to `</html>`. */
export function renderBrandedReceipt(input: ReceiptHtmlInput): string {
  const { doc, brand, images } = input;
  const seller = text(doc['user']);
  const title = `${input.formName === 'receipt' || input.formName === 'receiptCorrection' ? 'Кассовый чек' : 'Документ'} № ${text(doc['fiscalDocumentNumber'])}`;
  const details = [
    row('ИНН', text(doc['userInn'])),
    row('Адрес расчётов', text(doc['retailPlaceAddress'])),
    row('Место расчётов', text(doc['retailPlace'])),
    row('Признак расчёта', escapeHtml(OPERATION.get(Number(doc['operationType'])) ?? '')),
    row('Дата и время', text(doc['dateTime']).replace('T', ' ')),
    row('Смена', text(doc['shiftNumber'])),
    row('Чек за смену', text(doc['requestNumber'])),
    row('Кассир', text(doc['operator'])),
  ].join('');
  const totals = [row('Наличными', money(doc['cashTotalSum'])), row('Безналичными', money(doc['ecashTotalSum']))].join('');
  const fiscal = [
    row('РН ККТ', text(doc['kktRegId'])),
    row('ФН', text(doc['fiscalDriveNumber'])),
    row('ФД', text(doc['fiscalDocumentNumber'])),
    row('ФПД', text(doc['fiscalSign'])),
  ].join('');
  const pageLink = input.pageUrl
    ? `<tr><td align="center" style="padding:12px 24px 0 24px"><a href="${escapeHtml(input.pageUrl)}" target="_blank" rel="noopener" style="${FONT};font-size:13px;color:${brand.accentColor}" data-brand="link">Открыть чек в браузере</a></td></tr>`
    : '';
  const footer = brand.footerText === '' ? '' : `<tr><td style="padding:16px 24px;${FONT};font-size:13px;color:#555555;text-align:center" data-brand="footer">${multiline(brand.footerText)}</td></tr>`;
  const table = (inner: string) => `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${inner}</table>`;
  return `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="x-apple-disable-message-reformatting"><title>${title}</title></head>
<body style="margin:0;padding:0;background-color:${brand.backgroundColor}">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="${brand.backgroundColor}" style="background-color:${brand.backgroundColor}" data-brand="background"><tr><td align="center" style="padding:16px 8px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" style="width:100%;max-width:600px;background-color:#ffffff;border-collapse:collapse">
${header(brand, images, seller)}
<tr><td style="padding:16px 24px 8px 24px"><div style="${FONT};font-size:18px;font-weight:bold;color:#222222">${title}</div><div style="${FONT};font-size:14px;color:#222222;padding-top:4px">${seller}</div></td></tr>
<tr><td style="padding:0 24px">${table(details)}</td></tr>
<tr><td style="padding:8px 24px">${itemsTable(doc)}</td></tr>
<tr><td style="padding:0 24px"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td style="${FONT};font-size:16px;font-weight:bold;color:${brand.primaryColor};padding:6px 0">ИТОГ</td><td align="right" style="${FONT};font-size:16px;font-weight:bold;color:${brand.primaryColor};padding:6px 0" data-brand="total">${money(doc['totalSum'])}</td></tr>${totals}</table></td></tr>
<tr><td style="padding:8px 24px 0 24px">${table(fiscal)}</td></tr>
${qrBlock(input.qr, images)}
${pageLink}
${banners(brand, images)}
${footer}
</table>
</td></tr></table>
</body></html>
`;
}
