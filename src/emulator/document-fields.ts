/** FNS JSON fields that several generated documents share: an item (1059), a settlement's payments and VAT, FN flags. */
import type { FieldObject } from '../../protocol/document-json.js';
import type { SettlementLine, SettlementTotals } from './settlement.js';

/** 1060: the tax service's site, printed on receipts. */
export const FNS_URL = 'www.nalog.gov.ru';

/** 1050–1053: the FN's warning flags, all clear. */
export const DRIVE_STATE: Readonly<FieldObject> = {
  fiscalDriveExhaustionSign: 0,
  fiscalDriveReplaceRequiredSign: 0,
  fiscalDriveMemoryExceededSign: 0,
  ofdResponseTimeoutSign: 0,
};

/** 1020, 1031, 1081, 1215–1217 (always 0 here) and the VAT totals 1102–1107. */
export function paymentFields(s: SettlementTotals): FieldObject {
  return {
    totalSum: s.totalSum,
    cashTotalSum: s.cashTotalSum,
    ecashTotalSum: s.ecashTotalSum,
    prepaidSum: 0,
    creditSum: 0,
    provisionSum: 0,
    ...s.vat,
  };
}

/** One 1059 item. FFD 1.2 has the measure 2108 and the marking tags; FFD 1.05 the unit name 1197. */
export function itemFields(l: SettlementLine, ffd12: boolean): FieldObject {
  const item: FieldObject = {
    name: l.product.name,
    price: l.price,
    quantity: l.quantity.mantissa / 10 ** l.quantity.scale,
    sum: l.sum,
    nds: l.nds,
    paymentType: l.product.paymentType,
    productType: l.product.productType,
  };
  if (ffd12) {
    // 2108: 0 = pieces, 11 = kilograms.
    item.itemsQuantityMeasure = l.product.unit === 'kg' ? 11 : 0;
    if (l.mark) {
      item.productCodeNew = { [l.mark.kind]: l.mark.code };
      // 2106 bits 0–3: the code and the product information checked positively; 2102 0 = code processed normally.
      item.checkingProdInformationResult = 0x0f;
      item.labelCodeProcesMode = 0;
    }
  } else {
    item.unit = l.product.unit === 'kg' ? 'кг' : 'шт';
  }
  return item;
}
