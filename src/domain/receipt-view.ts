/**
 * The printable receipt: an HTML page from the stored FNS JSON, with the FNS QR string every printed receipt carries,
 * `t=YYYYMMDDTHHMM&s=<rubles.kopecks>&fn=<FN>&i=<FD>&fp=<ФПД>&n=<operation type>` (the string buyers scan to check a
 * receipt at the FNS, and that `GET /api/v1/public/check` accepts as is).
 */

export interface QrFields {
  /** 1012, local 'YYYY-MM-DDTHH:mm[:ss]'. */
  dateTime: string;
  /** 1020, kopecks. */
  totalSum: number;
  fn: string;
  fd: number;
  /** ФПД as printed. */
  fiscalSign: number;
  /** 1054. */
  operationType: number;
}

export function rubles(kopecks: number): string {
  const sign = kopecks < 0 ? '-' : '';
  const abs = Math.abs(kopecks);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function fnsQrString(q: QrFields): string {
  const t = `${q.dateTime.slice(0, 4)}${q.dateTime.slice(5, 7)}${q.dateTime.slice(8, 10)}T${q.dateTime.slice(11, 13)}${q.dateTime.slice(14, 16)}`;
  return `t=${t}&s=${rubles(q.totalSum)}&fn=${q.fn}&i=${q.fd}&fp=${q.fiscalSign}&n=${q.operationType}`;
}

/** `t` of a QR string → 'YYYY-MM-DDTHH:mm' (seconds, when given, are dropped: printed receipts differ on them). */
export function qrTimeToLocal(t: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?$/.exec(t);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}` : undefined;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const OPERATION = new Map([
  [1, 'Приход'],
  [2, 'Возврат прихода'],
  [3, 'Расход'],
  [4, 'Возврат расхода'],
]);

type Json = Record<string, unknown>;
const text = (v: unknown): string => (v === undefined || v === null ? '' : escapeHtml(String(v).trim()));
const money = (v: unknown): string => (typeof v === 'number' ? rubles(v) : '');

/** A self-contained page (no external resources) for one receipt-like document. */
export function renderReceiptHtml(formName: string, doc: Json, qr: string | null): string {
  const items = Array.isArray(doc['items']) ? (doc['items'] as Json[]) : [];
  const rows = items
    .map(
      (it) =>
        `<tr><td>${text(it['name'])}</td><td class="n">${text(it['quantity'])}</td><td class="n">${money(it['price'])}</td><td class="n">${money(it['sum'])}</td></tr>`,
    )
    .join('');
  const field = (label: string, value: string) => (value === '' ? '' : `<div><span>${label}</span><b>${value}</b></div>`);
  return `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Кассовый чек № ${text(doc['fiscalDocumentNumber'])}</title>
<style>body{font:14px/1.4 monospace;max-width:380px;margin:1em auto}table{width:100%;border-collapse:collapse}td{padding:2px 0;vertical-align:top}.n{text-align:right;white-space:nowrap;padding-left:6px}div{display:flex;justify-content:space-between}h1{font-size:16px;text-align:center}.qr{word-break:break-all;border-top:1px dashed #000;margin-top:8px;padding-top:8px}@media print{body{margin:0}}</style>
</head><body>
<h1>${text(doc['user'])}</h1>
${field('ИНН', text(doc['userInn']))}
${field('Адрес расчётов', text(doc['retailPlaceAddress']))}
${field('Место расчётов', text(doc['retailPlace']))}
${field('Документ', escapeHtml(formName === 'receipt' ? 'Кассовый чек' : formName))}
${field('Признак расчёта', escapeHtml(OPERATION.get(Number(doc['operationType'])) ?? ''))}
${field('Дата и время', text(doc['dateTime']).replace('T', ' '))}
${field('Смена', text(doc['shiftNumber']))}
${field('Чек', text(doc['requestNumber']))}
<table><thead><tr><th align="left">Наименование</th><th>Кол.</th><th>Цена</th><th>Сумма</th></tr></thead><tbody>${rows}</tbody></table>
${field('ИТОГ', money(doc['totalSum']))}
${field('Наличными', money(doc['cashTotalSum']))}
${field('Безналичными', money(doc['ecashTotalSum']))}
${field('РН ККТ', text(doc['kktRegId']))}
${field('ФН', text(doc['fiscalDriveNumber']))}
${field('ФД', text(doc['fiscalDocumentNumber']))}
${field('ФПД', text(doc['fiscalSign']))}
${qr === null ? '' : `<p class="qr" id="fns-qr" data-qr="${escapeHtml(qr)}">${escapeHtml(qr)}</p>`}
</body></html>
`;
}
