// Properties: a random receipt built by the FFD's own arithmetic (sums, payments, VAT totals consistent) always passes,
// through the wire format; and no JSON shape whatever makes a rule throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDocument } from '../../../../src/gateway/flk/check-document.js';
import { FISCAL_FORMS, type FfdVersion } from '../../../../src/gateway/flk/types.js';
import { check, FFD_CODE, INN_ORG, INN_ORG_2, INN_PERSON, INN_PERSON_2, VERSIONS, type Json } from './documents.js';

const DAY = 86400;
const FROM_2017 = Date.UTC(2017, 0, 1) / 1000;
const TO_2030 = Date.UTC(2030, 0, 1) / 1000;
const VAT_RATE: Readonly<Record<number, number>> = { 1: 20 / 120, 2: 10 / 110, 3: 20 / 120, 4: 10 / 110 };
const VAT_FIELD: Readonly<Record<number, string>> = { 1: 'nds18', 2: 'nds10', 3: 'nds18118', 4: 'nds10110', 5: 'nds0', 6: 'ndsNo' };

const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));

/** Quantity: whole units, or weighed (3 decimals). */
const quantity = fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 100_000 }).map((m) => m / 1000));

/**
 * An item as a register computes it: either sum = price × quantity rounded, ±1 kopeck; or a discounted sum with the
 * unit price derived from it (price = sum / quantity, rounded).
 */
const item = fc
  .record({
    quantity,
    price: fc.integer({ min: 0, max: 5_000_000 }),
    discountedSum: fc.integer({ min: 0, max: 5_000_000 }),
    priceFromSum: fc.boolean(),
    delta: fc.constantFrom(-1, 0, 1),
    nds: fc.integer({ min: 1, max: 6 }),
    paymentType: fc.integer({ min: 1, max: 7 }),
    productType: fc.integer({ min: 1, max: 33 }),
    measure: fc.constantFrom(0, 10, 11, 41, 255),
  })
  .map((r) => {
    const price = r.priceFromSum ? Math.round(r.discountedSum / r.quantity) : r.price;
    const sum = r.priceFromSum ? r.discountedSum : Math.max(0, Math.round(r.price * r.quantity) + r.delta);
    return { ...r, price, sum };
  });

type Item = typeof item extends fc.Arbitrary<infer T> ? T : never;

function itemJson(ffd: FfdVersion, it: Item, i: number): Json {
  const base: Json = { name: `Товар ${i}`, price: it.price, quantity: it.quantity, sum: it.sum };
  if (ffd === '1.0') return base;
  const v105: Json = { ...base, nds: it.nds, paymentType: it.paymentType, productType: it.productType };
  return ffd === '1.2' ? { ...v105, itemsQuantityMeasure: it.measure } : v105;
}

/** Splits `total` into `parts` non-negative integers that add up to it. */
function split(total: number, cuts: number[]): number[] {
  const points = cuts.map((c) => Math.floor(c * total)).sort((a, b) => a - b);
  const out: number[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(p - prev);
    prev = p;
  }
  out.push(total - prev);
  return out;
}

const receiptCase = fc
  .record({
    ffd: fc.constantFrom(...VERSIONS),
    correction: fc.boolean(),
    bso: fc.boolean(),
    items: fc.array(item, { minLength: 1, maxLength: 20 }),
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
    vatPresent: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
    fn: digits(16),
    fd: fc.integer({ min: 1, max: 0xffffff }),
    kktRegId: digits(16),
    userInn: fc.constantFrom(INN_ORG, INN_ORG_2, INN_PERSON, `00${INN_ORG}`),
    operatorInn: fc.option(fc.constantFrom(INN_PERSON, INN_PERSON_2), { nil: undefined }),
    receivedAt: fc.integer({ min: FROM_2017, max: TO_2030 }),
    age: fc.integer({ min: 0, max: 30 * DAY }),
    utcOffsetHours: fc.integer({ min: 2, max: 12 }),
    operationType: fc.integer({ min: 1, max: 4 }),
    taxation: fc.constantFrom(1, 2, 4, 8, 16, 32),
  })
  .map((c) => {
    const form = c.correction ? (c.bso ? 41 : 31) : c.bso ? 4 : 3;
    // Correction receipts carry items from FFD 1.2 on; before that only totals.
    const withItems = !c.correction || c.ffd === '1.2';
    const items = c.items.map((it, i) => itemJson(c.ffd, it, i));
    const total = c.items.reduce((s, it) => s + it.sum, 0);
    const payments = split(total, c.ffd === '1.0' ? c.cuts.slice(0, 1) : c.cuts);
    const dateTime = new Date((c.receivedAt - c.age + c.utcOffsetHours * 3600) * 1000).toISOString().slice(0, 19);
    const doc: Json = {
      code: form,
      user: 'ИП Тестов',
      userInn: c.userInn,
      dateTime,
      kktRegId: c.kktRegId,
      fiscalDriveNumber: c.fn,
      fiscalDocumentNumber: c.fd,
      fiscalSign: 4000000000,
      requestNumber: 1,
      shiftNumber: 1,
      operationType: c.operationType,
      appliedTaxationType: c.taxation,
      totalSum: total,
      cashTotalSum: payments[0],
      ecashTotalSum: payments[1],
    };
    if (withItems) doc.items = items;
    if (c.ffd !== '1.0') {
      Object.assign(doc, { fiscalDocumentFormatVer: FFD_CODE[c.ffd], prepaidSum: payments[2], creditSum: payments[3], provisionSum: payments[4] });
      if (c.operatorInn) doc.operatorInn = c.operatorInn;
      if (c.correction) Object.assign(doc, { correctionType: 0, correctionBase: { correctionDocumentDate: dateTime.slice(0, 10) + 'T00:00:00' } });
      if (withItems) {
        // VAT totals as a register computes them: per item, rounded, then added up (1104/1105: plain sums).
        for (let code = 1; code <= 6; code++) {
          const at = c.items.filter((it) => it.nds === code);
          if (at.length === 0 || !c.vatPresent[code]) continue;
          const rate = VAT_RATE[code];
          doc[VAT_FIELD[code]!] = at.reduce((s, it) => s + (rate === undefined ? it.sum : Math.round(it.sum * rate)), 0);
        }
      }
    }
    return { doc, ctx: { fiscalDriveNumber: c.fn, fiscalDocumentNumber: c.fd, receivedAt: new Date(c.receivedAt * 1000) } };
  });

describe('properties', () => {
  it('random consistent receipts of every FFD pass every rule', () => {
    fc.assert(
      fc.property(receiptCase, ({ doc, ctx }) => {
        expect(check(doc, ctx).failures).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  const FIELD_NAMES = [
    'items', 'totalSum', 'cashTotalSum', 'ecashTotalSum', 'prepaidSum', 'creditSum', 'provisionSum', 'userInn', 'ofdInn',
    'operatorInn', 'buyerInn', 'buyerInformation', 'kktRegId', 'dateTime', 'fiscalDriveNumber', 'fiscalDocumentNumber',
    'fiscalDocumentFormatVer', 'operationType', 'appliedTaxationType', 'taxationType', 'correctionType', 'nds18', 'nds10',
    'nds0', 'ndsNo', 'nds18118', 'nds10110', 'industryReceiptDetails', 'fiscalSign', 'shiftNumber', 'x',
  ];
  const ITEM_NAMES = [
    'sum', 'price', 'quantity', 'nds', 'paymentType', 'productType', 'modifiers', 'labeledProdFractionalQuantity',
    'productCodeNew', 'controlCode', 'itemsIndustryDetails', 'providerInn', 'itemsQuantityMeasure', 'y',
  ];
  const anyValue = fc.oneof(fc.jsonValue(), fc.bigInt(), fc.constant(undefined), fc.double());
  const anyItem = fc.oneof(fc.dictionary(fc.constantFrom(...ITEM_NAMES), anyValue), anyValue);
  const anyDocument = fc.dictionary(
    fc.constantFrom(...FIELD_NAMES),
    fc.oneof(anyValue, fc.array(anyItem, { maxLength: 4 }), fc.dictionary(fc.constantFrom(...ITEM_NAMES, 'buyerInn', 'buyerBirthday'), anyValue)),
  );

  it('no JSON shape makes a rule throw, for any form, version or context', () => {
    fc.assert(
      fc.property(anyDocument, fc.constantFrom(...FISCAL_FORMS, 7, 81), fc.string(), fc.integer(), fc.date({ noInvalidDate: false }), (doc, form, fn, fd, receivedAt) => {
        const result = checkDocument(doc, { form, fiscalDriveNumber: fn, fiscalDocumentNumber: fd, receivedAt });
        expect(result.ok).toBe(result.failures.length === 0);
      }),
      { numRuns: 2000 },
    );
  });
});
