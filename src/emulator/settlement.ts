/**
 * One settlement (a receipt's or a correction receipt's money): basket lines, payments and VAT, in integer kopecks.
 *
 * Money facts the generated documents keep (the ФЛК checks them, so the emulator must get them right):
 * - line sum (1043) = price (1079) × quantity (1023), rounded half up to the kopeck; totalSum (1020) = Σ line sums;
 * - cashTotalSum (1031) + ecashTotalSum (1081) = totalSum (prepaid/credit/provision 1215–1217 are 0);
 * - VAT per receipt (1102 20 %, 1103 10 %, 1106 20/120, 1107 10/110) = the rate's share of the sum of that rate's
 *   lines, rounded half up (as real registers print it, e.g. vectors/fns-receipt-ffd12.json: 128521 at 10 % → 11684);
 *   1104 (0 %) and 1105 (no VAT) carry the settlement amount of those lines, not a tax.
 */
import { PRODUCTS, type MarkKind, type Product, type VatRate } from './catalogue.js';
import { WeightedChoice, type Prng } from '../domain/prng.js';

export interface Quantity {
  mantissa: number;
  /** Digits after the point: 0 for pieces, 3 for kilograms. */
  scale: number;
}

export interface SettlementLine {
  product: Product;
  price: number;
  quantity: Quantity;
  sum: number;
  nds: VatRate;
  mark?: { kind: MarkKind; code: string };
}

/** Receipt-level VAT fields (FNS names); a field is present only when some line has its rate. */
export interface VatTotals {
  nds18?: number;
  nds10?: number;
  nds0?: number;
  ndsNo?: number;
  nds18118?: number;
  nds10110?: number;
}

/** What the counters (1194, 1157) need of a settlement. */
export interface SettlementTotals {
  /** 1054: 1 sale, 2 sale return, 3 purchase, 4 purchase return. */
  operationType: number;
  totalSum: number;
  cashTotalSum: number;
  ecashTotalSum: number;
  vat: VatTotals;
  /** True when the payments were made not to add up (the `flkErrorRate` fault). */
  paymentsMismatch: boolean;
}

export interface Settlement extends SettlementTotals {
  lines: SettlementLine[];
}

/** 1199 → receipt VAT field and the tax fraction (numerator/denominator of the gross amount); 0 % and no-VAT carry amounts. */
const VAT_FIELD: Readonly<Record<VatRate, { field: keyof VatTotals; num: number; den: number }>> = {
  1: { field: 'nds18', num: 20, den: 120 },
  2: { field: 'nds10', num: 10, den: 110 },
  3: { field: 'nds18118', num: 20, den: 120 },
  4: { field: 'nds10110', num: 10, den: 110 },
  5: { field: 'nds0', num: 1, den: 1 },
  6: { field: 'ndsNo', num: 1, den: 1 },
};

/** round(a × b / c) half up, in integers (a × b stays far below 2^53 for receipt amounts). */
export function mulDivHalfUp(a: number, b: number, c: number): number {
  return Math.floor((2 * a * b + c) / (2 * c));
}

export function lineSum(price: number, q: Quantity): number {
  return mulDivHalfUp(price, q.mantissa, 10 ** q.scale);
}

/** Receipt VAT fields from the lines, in 1102…1107 order. */
export function vatTotals(lines: readonly SettlementLine[]): VatTotals {
  const byRate = new Map<VatRate, number>();
  for (const l of lines) byRate.set(l.nds, (byRate.get(l.nds) ?? 0) + l.sum);
  const out: VatTotals = {};
  for (const rate of [1, 2, 5, 6, 3, 4] as const) {
    const gross = byRate.get(rate);
    if (gross === undefined) continue;
    const { field, num, den } = VAT_FIELD[rate];
    out[field] = mulDivHalfUp(gross, num, den);
  }
  return out;
}

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789';

function alnum(r: Prng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[Math.floor(r.next() * ALNUM.length)];
  return s;
}

/** GTIN-14 with its GS1 mod-10 check digit; "046…" = a Russian GS1 prefix. */
function gtin14(r: Prng): string {
  const body = `046${r.digits(10)}`;
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += (body.charCodeAt(12 - i) - 48) * (i % 2 === 0 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}

/** A marking code as 1163 carries it: GS1 DataMatrix `01`GTIN `21`serial (no crypto tail), or a tobacco pack's short code. */
export function markingCode(r: Prng, kind: MarkKind): string {
  return kind === 'gs1m' ? `01${gtin14(r)}21${alnum(r, 13)}` : `${gtin14(r)}${alnum(r, 7)}${alnum(r, 4)}`;
}

export interface BasketOptions {
  /** Marked products allowed (FFD 1.2 receipts chosen to carry marking codes); at least one line is then marked. */
  marked: boolean;
  /** The owner is not on ОСН: every line is "no VAT" (1199 = 6). */
  noVat: boolean;
  minLines: number;
  maxLines: number;
}

const UNMARKED = PRODUCTS.filter((p) => !p.mark);
const MARKED = PRODUCTS.filter((p) => p.mark);
const PICK_UNMARKED = new WeightedChoice(UNMARKED.map((p) => [p, p.weight] as const));
const PICK_ANY = new WeightedChoice(PRODUCTS.map((p) => [p, p.weight] as const));
const PICK_PIECES = new WeightedChoice([
  [1, 8],
  [2, 3],
  [3, 1],
  [5, 1],
] as const);
const PICK_PAYMENT = new WeightedChoice([
  ['cash', 35],
  ['card', 55],
  ['mixed', 10],
] as const);

function makeLine(r: Prng, product: Product, noVat: boolean): SettlementLine {
  // Prices end in 90 or 99 kopecks, like shelf prices.
  const rubles = Math.floor(r.int(product.minPrice, product.maxPrice) / 100);
  const price = product.minPrice === product.maxPrice ? product.minPrice : rubles * 100 + r.pick([90, 99, 0]);
  const quantity: Quantity = product.mark
    ? { mantissa: 1, scale: 0 }
    : product.unit === 'kg'
      ? { mantissa: r.int(100, 3500), scale: 3 }
      : { mantissa: PICK_PIECES.pick(r), scale: 0 };
  const line: SettlementLine = { product, price, quantity, sum: lineSum(price, quantity), nds: noVat ? 6 : product.nds };
  if (product.mark) line.mark = { kind: product.mark, code: markingCode(r, product.mark) };
  return line;
}

export function makeBasket(r: Prng, o: BasketOptions): SettlementLine[] {
  // Most baskets are small: n = min + (max − min)·u³.
  const n = o.minLines + Math.floor((o.maxLines - o.minLines + 1) * r.next() ** 3);
  const lines: SettlementLine[] = [];
  if (o.marked) lines.push(makeLine(r, r.pick(MARKED), o.noVat));
  const choice = o.marked ? PICK_ANY : PICK_UNMARKED;
  while (lines.length < n) lines.push(makeLine(r, choice.pick(r), o.noVat));
  return lines;
}

/** Payments: cash, card, or both; `mismatch` makes them exceed the total by one ruble (an ФЛК error on purpose). */
export function makeSettlement(r: Prng, operationType: number, lines: SettlementLine[], mismatch: boolean): Settlement {
  let totalSum = 0;
  for (const l of lines) totalSum += l.sum;
  const how = PICK_PAYMENT.pick(r);
  let cashTotalSum = how === 'cash' ? totalSum : how === 'card' ? 0 : Math.floor((totalSum * r.int(10, 90)) / 100);
  let ecashTotalSum = totalSum - cashTotalSum;
  if (mismatch) {
    if (ecashTotalSum > 0) ecashTotalSum += 100;
    else cashTotalSum += 100;
  }
  return { operationType, lines, totalSum, cashTotalSum, ecashTotalSum, vat: vatTotals(lines), paymentsMismatch: mismatch };
}
