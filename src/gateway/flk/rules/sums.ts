/**
 * Money that must add up: receipt total, item sums and quantities, items total, VAT sums. Sources and policy:
 * rules.ts.
 */
import { FlkCodes } from '../codes.js';
import { decimal, integer, isObject, itemPath, itemsOf, kopecks, type JsonObject } from '../fields.js';
import { ALL_FFD, FFD_105_PLUS, SETTLEMENT_FORMS, type Finding, type FlkDocument, type FlkRule } from '../types.js';
import { push } from './finding.js';

// ---- FLK_TOTAL_MISMATCH -------------------------------------------------------------------------------------------
// FFD receipt tables: 1020 (ИТОГ) is paid by cash 1031, electronic 1081 and, from 1.05, prepayment 1215, credit 1216,
// counter-provision 1217 — the five add up to 1020 exactly. Absent payment tags count as 0; with none present there is
// nothing to compare (A).

const PAYMENT_FIELDS = ['cashTotalSum', 'ecashTotalSum', 'prepaidSum', 'creditSum', 'provisionSum'] as const;

function checkTotal(doc: FlkDocument): Finding[] | undefined {
  const total = kopecks(doc.totalSum);
  if (total === undefined) return undefined;
  let paid = 0;
  let seen = false;
  for (const name of PAYMENT_FIELDS) {
    const v = doc[name];
    if (v === undefined) continue;
    const k = kopecks(v);
    if (k === undefined) return undefined;
    paid += k;
    seen = true;
  }
  if (!seen || paid === total) return undefined;
  return [{ field: 'totalSum', message: `payments 1031 + 1081 + 1215 + 1216 + 1217 = ${paid}, 1020 totalSum = ${total}` }];
}

// ---- FLK_ITEM_SUM / FLK_ITEM_QUANTITY -----------------------------------------------------------------------------
// TSV 1043 / 1079: both "with discounts and markups", so 1043 = 1079 × 1023. 1079 is whole kopecks: when a discount is
// spread over a line, the unit price is a rounded quotient and price × quantity drifts by up to half a kopeck per unit.
// Tolerance (A), against the exact product: ±1 kopeck on the rounded product (1.5), or the rounded unit price's drift
// (quantity / 2) plus one kopeck for registers that truncate rather than round — whichever is larger. FFD 1.0 items with modifiers (1112 discount / markup) are skipped: there the
// price may be the undiscounted one. FFD 1.2 fractional marked goods (1291 numerator / denominator): the sum may be
// price × fraction (× quantity) — any of those readings passes. 1023 = 0 is no sale at all.

/** Kopecks: ½ for rounding 1043, plus the ±1 every item is allowed. */
const ITEM_SUM_SLACK = 1.5;
/** Kopecks added to the unit-price drift (quantity / 2). */
const UNIT_PRICE_SLACK = 1;

function itemSumProblem(item: JsonObject): string | undefined {
  if (item.modifiers !== undefined) return undefined;
  const sum = kopecks(item.sum);
  const price = kopecks(item.price);
  const quantity = decimal(item.quantity);
  if (sum === undefined || price === undefined || quantity === undefined || quantity === 0) return undefined;
  const tolerance = Math.max(ITEM_SUM_SLACK, quantity / 2 + UNIT_PRICE_SLACK);
  const expected = price * quantity;
  if (Math.abs(sum - expected) <= tolerance) return undefined;
  const fraction = item.labeledProdFractionalQuantity;
  if (isObject(fraction)) {
    const numerator = kopecks(fraction.numerator);
    const denominator = kopecks(fraction.denominator);
    if (numerator !== undefined && denominator !== undefined && denominator > 0) {
      const part = numerator / denominator;
      if (Math.abs(sum - price * part) <= tolerance || Math.abs(sum - expected * part) <= tolerance) return undefined;
    }
  }
  return `1043 sum = ${sum}, 1079 price ${price} × 1023 quantity ${quantity} = ${+expected.toFixed(3)} (tolerance ${+tolerance.toFixed(3)} kopecks)`;
}

function checkItemSums(doc: FlkDocument): Finding[] | undefined {
  const items = itemsOf(doc);
  let out: Finding[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isObject(item)) continue;
    const problem = itemSumProblem(item);
    if (problem !== undefined) out = push(out, { field: itemPath(i, 'sum'), message: problem });
  }
  return out;
}

function checkItemQuantities(doc: FlkDocument): Finding[] | undefined {
  const items = itemsOf(doc);
  let out: Finding[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (isObject(item) && decimal(item.quantity) === 0) out = push(out, { field: itemPath(i, 'quantity'), message: '1023 quantity is 0' });
  }
  return out;
}

// ---- FLK_ITEMS_TOTAL ----------------------------------------------------------------------------------------------
// FFD 1.05+: there is no receipt-level discount tag, so ИТОГ 1020 is the sum of the item sums 1043, exactly. Not
// applied to FFD 1.0 (receipt discounts and 1071 storno lines there — A). Skipped when any item sum is unreadable.

function checkItemsTotal(doc: FlkDocument): Finding[] | undefined {
  const total = kopecks(doc.totalSum);
  const items = itemsOf(doc);
  if (total === undefined || items.length === 0) return undefined;
  let sum = 0;
  for (const item of items) {
    const k = isObject(item) ? kopecks(item.sum) : undefined;
    if (k === undefined) return undefined;
    sum += k;
  }
  if (sum === total) return undefined;
  return [{ field: 'totalSum', message: `Σ items 1043 = ${sum}, 1020 totalSum = ${total}` }];
}

// ---- FLK_VAT_SUM --------------------------------------------------------------------------------------------------
// TSV 1102–1107 and 1199 (1 = 20 %, 2 = 10 %, 3 = 20/120, 4 = 10/110, 5 = 0 %, 6 = no VAT); prices include VAT, so the
// VAT of a sum s at rate r % is s × r / (100 + r). Receipt totals: 1102 = VAT of the rate-1 items, 1103 rate 2, 1106
// rate 3, 1107 rate 4; 1104 = Σ sums at rate 5, 1105 = Σ sums at rate 6 (exact). Tolerance for VAT amounts (A): one
// kopeck per item at that rate plus one — registers round per item or per total. Code 1/3 meant 18 % before 2019 and
// 22 % from 2026: any of 18, 20, 22 passes. Checked only when every item has a rate and a sum; absent totals are not
// required (they are conditional). Rates 7+ (2025–2026 amendments) have no total tag here.

const FULL_RATES = [18 / 118, 20 / 120, 22 / 122] as const;
const TEN_RATES = [10 / 110] as const;

interface RateTotals {
  count: number;
  sum: number;
}

function vatFinding(out: Finding[] | undefined, doc: FlkDocument, field: string, tag: number, at: RateTotals, rates: readonly number[], code: number): Finding[] | undefined {
  const declared = doc[field];
  if (declared === undefined) return out;
  const vat = kopecks(declared);
  if (vat === undefined) return out;
  const tolerance = at.count + 1;
  for (const r of rates) if (Math.abs(vat - at.sum * r) <= tolerance) return out;
  const expected = Math.round(at.sum * rates[rates.length > 1 ? 1 : 0]!);
  return push(out, { field, message: `${tag} ${field} = ${vat}; items at rate ${code}: Σ 1043 = ${at.sum}, VAT ≈ ${expected}` });
}

function exactFinding(out: Finding[] | undefined, doc: FlkDocument, field: string, tag: number, at: RateTotals, code: number): Finding[] | undefined {
  const declared = doc[field];
  if (declared === undefined) return out;
  const v = kopecks(declared);
  if (v === undefined || v === at.sum) return out;
  return push(out, { field, message: `${tag} ${field} = ${v}; Σ 1043 of the items at rate ${code} = ${at.sum}` });
}

function checkVat(doc: FlkDocument): Finding[] | undefined {
  const items = itemsOf(doc);
  if (items.length === 0) return undefined;
  const byRate: RateTotals[] = [];
  for (let code = 0; code <= 6; code++) byRate.push({ count: 0, sum: 0 });
  for (const item of items) {
    if (!isObject(item)) return undefined;
    const rate = integer(item.nds);
    const sum = kopecks(item.sum);
    if (rate === undefined || sum === undefined) return undefined;
    const at = byRate[rate];
    if (at !== undefined && rate > 0) {
      at.count++;
      at.sum += sum;
    }
  }
  let out = vatFinding(undefined, doc, 'nds18', 1102, byRate[1]!, FULL_RATES, 1);
  out = vatFinding(out, doc, 'nds10', 1103, byRate[2]!, TEN_RATES, 2);
  out = vatFinding(out, doc, 'nds18118', 1106, byRate[3]!, FULL_RATES, 3);
  out = vatFinding(out, doc, 'nds10110', 1107, byRate[4]!, TEN_RATES, 4);
  out = exactFinding(out, doc, 'nds0', 1104, byRate[5]!, 5);
  out = exactFinding(out, doc, 'ndsNo', 1105, byRate[6]!, 6);
  return out;
}

export const TOTAL_MISMATCH_RULE: FlkRule = {
  code: FlkCodes.FLK_TOTAL_MISMATCH,
  forms: SETTLEMENT_FORMS,
  ffd: ALL_FFD,
  description: {
    ru: 'Сумма оплат (1031 + 1081 + 1215 + 1216 + 1217) не равна итогу (1020)',
    en: 'Payments (1031 + 1081 + 1215 + 1216 + 1217) do not add up to the total (1020)',
  },
  check: checkTotal,
};

export const ITEM_SUM_RULE: FlkRule = {
  code: FlkCodes.FLK_ITEM_SUM,
  forms: SETTLEMENT_FORMS,
  ffd: ALL_FFD,
  description: {
    ru: 'Стоимость предмета расчёта (1043) не равна цене (1079) × количество (1023) с точностью до округления',
    en: 'Item sum (1043) is not price (1079) × quantity (1023) within rounding',
  },
  check: checkItemSums,
};

export const ITEM_QUANTITY_RULE: FlkRule = {
  code: FlkCodes.FLK_ITEM_QUANTITY,
  forms: SETTLEMENT_FORMS,
  ffd: ALL_FFD,
  description: {
    ru: 'Количество предмета расчёта (1023) равно нулю',
    en: 'Item quantity (1023) is zero',
  },
  check: checkItemQuantities,
};

export const ITEMS_TOTAL_RULE: FlkRule = {
  code: FlkCodes.FLK_ITEMS_TOTAL,
  forms: SETTLEMENT_FORMS,
  ffd: FFD_105_PLUS,
  description: {
    ru: 'Сумма стоимостей предметов расчёта (1043) не равна итогу (1020)',
    en: 'The item sums (1043) do not add up to the total (1020)',
  },
  check: checkItemsTotal,
};

export const VAT_SUM_RULE: FlkRule = {
  code: FlkCodes.FLK_VAT_SUM,
  forms: SETTLEMENT_FORMS,
  ffd: FFD_105_PLUS,
  description: {
    ru: 'Суммы НДС чека (1102–1107) не соответствуют ставкам (1199) и стоимостям (1043) предметов расчёта',
    en: 'Receipt VAT totals (1102–1107) do not follow from the items’ rates (1199) and sums (1043)',
  },
  check: checkVat,
};
