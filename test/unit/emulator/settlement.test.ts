import { describe, expect, it } from 'vitest';
import { Prng } from '../../../src/domain/prng.js';
import { lineSum, makeBasket, makeSettlement, markingCode, mulDivHalfUp, vatTotals, type SettlementLine } from '../../../src/emulator/settlement.js';
import { PRODUCTS } from '../../../src/emulator/catalogue.js';
import { fixtureJson } from '../../support/fixtures.js';

interface VectorItem {
  nds: number;
  sum: number;
  price: number;
  quantity: number;
}
const vector = fixtureJson<{ items: VectorItem[]; totalSum: number; nds10: number }>('vectors/fns-receipt-ffd12.json');

function line(v: VectorItem): SettlementLine {
  const scale = String(v.quantity).split('.')[1]?.length ?? 0;
  const quantity = { mantissa: Math.round(v.quantity * 10 ** scale), scale };
  return { product: PRODUCTS[0]!, price: v.price, quantity, sum: lineSum(v.price, quantity), nds: v.nds as 2 };
}

/** GS1 mod 10: weights 3, 1, 3, … from the left of a GTIN-14's 13 data digits. */
function gs1CheckDigitOk(gtin: string): boolean {
  let sum = 0;
  for (let j = 0; j < 13; j++) sum += Number(gtin[j]) * (j % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === Number(gtin[13]);
}

describe('settlement money (integer kopecks)', () => {
  it('rounds price × quantity half up, as the real receipt in vectors/fns-receipt-ffd12.json does', () => {
    for (const item of vector.items) expect(line(item).sum).toBe(item.sum);
  });

  it('computes receipt VAT on the sum of each rate, half up: 128521 at 10/110 → 11684 (the same vector)', () => {
    const lines = vector.items.map(line);
    expect(lines.reduce((s, l) => s + l.sum, 0)).toBe(vector.totalSum);
    expect(vatTotals(lines)).toEqual({ nds10: vector.nds10 });
  });

  it('mulDivHalfUp rounds halves up and stays exact on large sums', () => {
    expect(mulDivHalfUp(5, 1, 2)).toBe(3);
    expect(mulDivHalfUp(4, 1, 2)).toBe(2);
    expect(mulDivHalfUp(120, 20, 120)).toBe(20);
    expect(mulDivHalfUp(999_999_999_999, 20, 120)).toBe(166_666_666_667);
  });

  it('makes payments that add up, or exceed the total by a ruble when asked to', () => {
    const r = new Prng('pay');
    for (let i = 0; i < 500; i++) {
      const lines = makeBasket(r, { marked: false, noVat: false, minLines: 1, maxLines: 30 });
      const ok = makeSettlement(r, 1, lines, false);
      expect(ok.cashTotalSum + ok.ecashTotalSum).toBe(ok.totalSum);
      const bad = makeSettlement(r, 1, lines, true);
      expect(bad.cashTotalSum + bad.ecashTotalSum).toBe(bad.totalSum + 100);
    }
  });

  it('sells nothing but "no VAT" for owners outside ОСН, and puts a marked line first in marked baskets', () => {
    const r = new Prng('vat');
    for (let i = 0; i < 200; i++) {
      expect(makeBasket(r, { marked: false, noVat: true, minLines: 1, maxLines: 30 }).every((l) => l.nds === 6)).toBe(true);
      const marked = makeBasket(r, { marked: true, noVat: false, minLines: 1, maxLines: 30 });
      expect(marked[0]!.mark).toBeDefined();
      expect(marked.filter((l) => l.mark).every((l) => l.quantity.mantissa === 1 && l.quantity.scale === 0)).toBe(true);
    }
  });

  it('writes GS1 DataMatrix codes as 01 + GTIN-14 (valid check digit) + 21 + serial, within 1305\'s 38 characters', () => {
    expect(gs1CheckDigitOk('00012345600012')).toBe(true); // the GS1 GTIN-14 example
    const r = new Prng('codes');
    for (let i = 0; i < 100; i++) {
      const code = markingCode(r, 'gs1m');
      expect(code).toMatch(/^01\d{14}21[A-Za-z0-9]{13}$/);
      expect(gs1CheckDigitOk(code.slice(2, 16))).toBe(true);
      expect(markingCode(r, 'kmk').length).toBeLessThanOrEqual(38);
    }
  });
});
