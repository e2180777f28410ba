/**
 * A receipt laid out like the paper one the buyer got: seller, place, operation, items, totals by payment and VAT,
 * the register's requisites, and the FNS QR code as an image. Built from the stored FNS JSON (names as FNS JSON has
 * them: 1020 totalSum, 1031 cashTotalSum, …); money is kopecks, times are the register's own.
 */
import type { ReactNode } from 'react';
import { formatLocalDateTime, formatMoney } from '../../../lib/format';
import { OPERATION_TYPES, TAXATION_TYPES } from '../lib/receipt-filters';
import { ReceiptQr } from './ReceiptQr';

type Json = Record<string, unknown>;

const FORM_TITLE: Record<string, string> = {
  receipt: 'КАССОВЫЙ ЧЕК',
  receiptCorrection: 'КАССОВЫЙ ЧЕК КОРРЕКЦИИ',
  bso: 'БЛАНК СТРОГОЙ ОТЧЁТНОСТИ',
  bsoCorrection: 'БСО КОРРЕКЦИИ',
};

/** 1199 VAT rate of an item. */
const ITEM_VAT: Record<number, string> = { 1: 'НДС 20%', 2: 'НДС 10%', 3: 'НДС 20/120', 4: 'НДС 10/110', 5: 'НДС 0%', 6: 'Без НДС', 7: 'НДС 5%', 8: 'НДС 7%', 9: 'НДС 5/105', 10: 'НДС 7/107' };

const VAT_TOTALS: Array<[string, string]> = [
  ['nds18', 'НДС 20%'],
  ['nds10', 'НДС 10%'],
  ['nds18118', 'НДС 20/120'],
  ['nds10110', 'НДС 10/110'],
  ['nds0', 'НДС 0%'],
  ['ndsNo', 'Без НДС'],
];

const PAYMENT_TOTALS: Array<[string, string]> = [
  ['cashTotalSum', 'НАЛИЧНЫМИ'],
  ['ecashTotalSum', 'БЕЗНАЛИЧНЫМИ'],
  ['prepaidSum', 'ПРЕДОПЛАТА (АВАНС)'],
  ['creditSum', 'ПОСТОПЛАТА (КРЕДИТ)'],
  ['provisionSum', 'ВСТРЕЧНОЕ ПРЕДОСТАВЛЕНИЕ'],
];

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v).trim());
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function Line({ label, value, strong }: { label: string; value: ReactNode; strong?: boolean }) {
  if (value === '' || value === undefined || value === null) return null;
  return (
    <div className="paper-line" style={{ display: 'flex', justifyContent: 'space-between', gap: 12, fontWeight: strong ? 700 : undefined }}>
      <span>{label}</span>
      <span style={{ textAlign: 'right', overflowWrap: 'anywhere' }}>{value}</span>
    </div>
  );
}

function taxationOf(bits: number | undefined): string {
  if (bits === undefined) return '';
  return Object.entries(TAXATION_TYPES)
    .filter(([bit]) => (bits & Number(bit)) !== 0)
    .map(([, name]) => name)
    .join(', ');
}

/** Quantities come as numbers or decimal strings (FVLN keeps its scale): shown as they are, with a comma. */
function quantityOf(v: unknown): string {
  const s = str(v);
  return s === '' ? '1' : s.replace('.', ',');
}

export function PaperReceipt({ formName, doc, qr }: { formName: string; doc: Json; qr: string | null }) {
  const items = Array.isArray(doc['items']) ? (doc['items'] as Json[]) : [];
  const operation = OPERATION_TYPES[num(doc['operationType']) ?? 0] ?? '';
  const dash = <hr style={{ border: 0, borderTop: '1px dashed rgba(0,0,0,0.45)', margin: '8px 0' }} />;
  return (
    <article
      aria-label="Кассовый чек"
      data-testid="paper-receipt"
      style={{ fontFamily: '"Courier New", ui-monospace, monospace', fontSize: 13, lineHeight: 1.45, maxWidth: 380, width: '100%', background: '#fff', padding: 16, boxShadow: '0 1px 4px rgba(0,0,0,0.15)' }}
    >
      <div style={{ textAlign: 'center' }}>
        <div style={{ fontWeight: 700 }}>{str(doc['user'])}</div>
        {str(doc['retailPlaceAddress']) ? <div>{str(doc['retailPlaceAddress'])}</div> : null}
        {str(doc['retailPlace']) ? <div>{str(doc['retailPlace'])}</div> : null}
        <Line label="ИНН" value={str(doc['userInn'])} />
        <div style={{ fontWeight: 700, marginTop: 8 }}>{FORM_TITLE[formName] ?? formName}</div>
        <div style={{ fontWeight: 700 }}>{operation.toUpperCase()}</div>
      </div>
      <Line label="Дата и время" value={formatLocalDateTime(str(doc['dateTime']) || null)} />
      <Line label="Смена №" value={str(doc['shiftNumber'])} />
      <Line label="Чек №" value={str(doc['requestNumber'])} />
      <Line label="Кассир" value={str(doc['operator'])} />
      {dash}
      <ol aria-label="Позиции чека" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {items.map((it, i) => (
          <li key={i} style={{ marginBottom: 6 }} data-testid="receipt-item">
            <div>
              {i + 1}. {str(it['name'])}
            </div>
            <Line label={`${quantityOf(it['quantity'])} × ${formatMoney(num(it['price']))}`} value={formatMoney(num(it['sum']))} />
            {num(it['nds']) !== undefined ? <div style={{ fontSize: 12, color: 'rgba(0,0,0,0.65)' }}>{ITEM_VAT[num(it['nds'])!] ?? ''}</div> : null}
          </li>
        ))}
      </ol>
      {dash}
      <Line label="ИТОГ" value={formatMoney(num(doc['totalSum']))} strong />
      {PAYMENT_TOTALS.map(([key, label]) => (num(doc[key]) ? <Line key={key} label={label} value={formatMoney(num(doc[key]))} /> : null))}
      {VAT_TOTALS.map(([key, label]) => (num(doc[key]) !== undefined ? <Line key={key} label={`Сумма ${label}`} value={formatMoney(num(doc[key]))} /> : null))}
      <Line label="СНО" value={taxationOf(num(doc['appliedTaxationType']))} />
      <Line label="Покупатель" value={str(doc['buyerPhoneOrAddress'])} />
      <Line label="Эл. адрес отправителя" value={str(doc['sellerAddress'])} />
      <Line label="Сайт ФНС" value={str(doc['fnsUrl'])} />
      {dash}
      <Line label="РН ККТ" value={str(doc['kktRegId'])} />
      <Line label="ФН №" value={str(doc['fiscalDriveNumber'])} />
      <Line label="ФД №" value={str(doc['fiscalDocumentNumber'])} />
      <Line label="ФП" value={str(doc['fiscalSign'])} />
      {qr !== null ? (
        <div style={{ textAlign: 'center', marginTop: 12 }}>
          <ReceiptQr value={qr} />
        </div>
      ) : null}
    </article>
  );
}
