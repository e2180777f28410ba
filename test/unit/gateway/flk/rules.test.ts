// Every rule on a minimally broken document: the failure names the rule's code and the field, and nothing else fails.
// Valid documents of every form × FFD version pass. Expected values follow from the FFD definitions (documents.ts).
import { describe, expect, it } from 'vitest';
import { FlkCodes } from '../../../../src/gateway/flk/codes.js';
import type { FfdVersion } from '../../../../src/gateway/flk/types.js';
import {
  BUILDERS,
  check,
  codesAndFields,
  correction,
  INN_ORG_2,
  itemsOf,
  receipt,
  registration,
  closeShift,
  VERSIONS,
  type Json,
} from './documents.js';

describe('valid documents pass', () => {
  for (const { form, build } of BUILDERS) {
    for (const ffd of VERSIONS) {
      it(`form ${form}, FFD ${ffd}`, () => {
        expect(check(build(ffd)).failures).toEqual([]);
      });
    }
  }

  it('an FFD 1.0 receipt that carries 1209 = 1 (later 1.0 firmware)', () => {
    expect(check({ ...receipt('1.0'), fiscalDocumentFormatVer: 1 }).failures).toEqual([]);
  });
});

interface Case {
  name: string;
  doc: () => Json;
  ctx?: Parameters<typeof check>[1];
  expected: Array<[string, string | undefined]>;
}

/** A receipt with one item's sum moved by `delta`, and the total and cash payment moved with it. */
function withItemSum(ffd: FfdVersion, index: number, sum: number): Json {
  const doc = receipt(ffd);
  const item = itemsOf(doc)[index]!;
  const delta = sum - (item.sum as number);
  item.sum = sum;
  doc.totalSum = (doc.totalSum as number) + delta;
  doc.cashTotalSum = (doc.cashTotalSum as number) + delta;
  return doc;
}

function mutated(doc: Json, change: (doc: Json) => void): Json {
  change(doc);
  return doc;
}

const failing: Case[] = [
  // FLK_FFD_VERSION
  { name: '1209 = 9', doc: () => ({ ...receipt('1.2'), fiscalDocumentFormatVer: 9 }), expected: [[FlkCodes.FLK_FFD_VERSION, 'fiscalDocumentFormatVer']] },
  {
    name: '1209 missing from an FFD 1.05 receipt (its items carry 1199/1212/1214)',
    doc: () => mutated(receipt('1.05'), (d) => delete d.fiscalDocumentFormatVer),
    expected: [[FlkCodes.FLK_FFD_VERSION, 'fiscalDocumentFormatVer']],
  },
  {
    name: 'FFD 1.2-only 2108 in an FFD 1.05 item',
    doc: () => mutated(receipt('1.05'), (d) => (itemsOf(d)[1]!.itemsQuantityMeasure = 0)),
    expected: [[FlkCodes.FLK_FFD_VERSION, 'items[1].itemsQuantityMeasure']],
  },
  {
    name: 'FFD 1.2-only 1256 in an FFD 1.1 receipt',
    doc: () => ({ ...receipt('1.1'), buyerInformation: { buyer: 'Петров П.П.' } }),
    expected: [[FlkCodes.FLK_FFD_VERSION, 'buyerInformation']],
  },
  // FLK_MISSING_FIELD
  { name: 'receipt without 1020', doc: () => mutated(receipt('1.05'), (d) => delete d.totalSum), expected: [[FlkCodes.FLK_MISSING_FIELD, 'totalSum']] },
  { name: 'receipt without 1077', doc: () => mutated(receipt('1.0'), (d) => delete d.fiscalSign), expected: [[FlkCodes.FLK_MISSING_FIELD, 'fiscalSign']] },
  { name: 'FFD 1.05 receipt without 1055', doc: () => mutated(receipt('1.05'), (d) => delete d.appliedTaxationType), expected: [[FlkCodes.FLK_MISSING_FIELD, 'appliedTaxationType']] },
  {
    name: 'FFD 1.05 receipt without items (and so without a sum to compare)',
    doc: () => mutated(receipt('1.05'), (d) => { delete d.items; delete d.nds18; delete d.nds10; }),
    expected: [[FlkCodes.FLK_MISSING_FIELD, 'items']],
  },
  { name: 'item without 1079', doc: () => mutated(receipt('1.1'), (d) => delete itemsOf(d)[1]!.price), expected: [[FlkCodes.FLK_MISSING_FIELD, 'items[1].price']] },
  { name: 'FFD 1.05 item without 1214', doc: () => mutated(receipt('1.05'), (d) => delete itemsOf(d)[0]!.paymentType), expected: [[FlkCodes.FLK_MISSING_FIELD, 'items[0].paymentType']] },
  {
    name: 'FFD 1.2 item without 2108',
    doc: () => mutated(receipt('1.2'), (d) => delete itemsOf(d)[0]!.itemsQuantityMeasure),
    expected: [[FlkCodes.FLK_MISSING_FIELD, 'items[0].itemsQuantityMeasure']],
  },
  { name: 'closeShift without 1038', doc: () => mutated(closeShift('1.2'), (d) => delete d.shiftNumber), expected: [[FlkCodes.FLK_MISSING_FIELD, 'shiftNumber']] },
  { name: 'FFD 1.05 correction without 1173', doc: () => mutated(correction('1.05'), (d) => delete d.correctionType), expected: [[FlkCodes.FLK_MISSING_FIELD, 'correctionType']] },
  { name: 'FFD 1.2 correction without 1174', doc: () => mutated(correction('1.2'), (d) => delete d.correctionBase), expected: [[FlkCodes.FLK_MISSING_FIELD, '\u0441orrectionBase']] }, // TSV: Cyrillic с
  { name: 'registration report without 1062', doc: () => mutated(registration('1.2'), (d) => delete d.taxationType), expected: [[FlkCodes.FLK_MISSING_FIELD, 'taxationType']] },
  // FLK_FN_NUMBER / FLK_FD_NUMBER
  { name: '1041 differs from the container FN', doc: () => ({ ...receipt('1.2'), fiscalDriveNumber: '9999078900000043' }), expected: [[FlkCodes.FLK_FN_NUMBER, 'fiscalDriveNumber']] },
  { name: '1041 of 15 digits', doc: () => ({ ...receipt('1.2'), fiscalDriveNumber: '999907890000004' }), expected: [[FlkCodes.FLK_FN_NUMBER, 'fiscalDriveNumber']] },
  { name: '1041 with a letter', doc: () => ({ ...receipt('1.0'), fiscalDriveNumber: '99990789000000A2' }), expected: [[FlkCodes.FLK_FN_NUMBER, 'fiscalDriveNumber']] },
  { name: '1040 differs from the container FD', doc: () => ({ ...receipt('1.05'), fiscalDocumentNumber: 18 }), expected: [[FlkCodes.FLK_FD_NUMBER, 'fiscalDocumentNumber']] },
  // FLK_DATE: received 2024-09-17T15:01:24Z; the bound is received + 36 h = 2024-09-19T03:01:24 (local as if UTC).
  { name: '1012 before 2016-07-01', doc: () => ({ ...receipt('1.0'), dateTime: '2016-06-30T23:59:59' }), expected: [[FlkCodes.FLK_DATE, 'dateTime']] },
  { name: '1012 one second past received + 36 h', doc: () => ({ ...receipt('1.2'), dateTime: '2024-09-19T03:01:25' }), expected: [[FlkCodes.FLK_DATE, 'dateTime']] },
  { name: '1012 a year ahead', doc: () => ({ ...openShift2('1.2'), dateTime: '2025-09-17T18:01:00' }), expected: [[FlkCodes.FLK_DATE, 'dateTime']] },
  // FLK_INN
  { name: '1018 with a wrong check digit', doc: () => ({ ...receipt('1.2'), userInn: '7704211202' }), expected: [[FlkCodes.FLK_INN, 'userInn']] },
  { name: '1018 of 11 digits', doc: () => ({ ...receipt('1.0'), userInn: '77042112011' }), expected: [[FlkCodes.FLK_INN, 'userInn']] },
  { name: '1018 all zeros', doc: () => ({ ...receipt('1.05'), userInn: '0000000000' }), expected: [[FlkCodes.FLK_INN, 'userInn']] },
  { name: '1203 with a wrong check digit', doc: () => ({ ...receipt('1.05'), operatorInn: '500100732258' }), expected: [[FlkCodes.FLK_INN, 'operatorInn']] },
  { name: '1017 with a wrong check digit', doc: () => ({ ...registration('1.0'), ofdInn: '7825706087' }), expected: [[FlkCodes.FLK_INN, 'ofdInn']] },
  { name: '1228 with a wrong check digit', doc: () => ({ ...receipt('1.1'), buyerInn: '7707083894' }), expected: [[FlkCodes.FLK_INN, 'buyerInn']] },
  {
    name: '1228 inside 1256 with a wrong check digit',
    doc: () => ({ ...receipt('1.2'), buyerInformation: { buyer: 'ООО "Покупатель"', buyerInn: '7707083894' } }),
    expected: [[FlkCodes.FLK_INN, 'buyerInformation.buyerInn']],
  },
  {
    name: '1226 with a wrong check digit',
    doc: () => mutated(receipt('1.2'), (d) => (itemsOf(d)[0]!.providerInn = '7728168972')),
    expected: [[FlkCodes.FLK_INN, 'items[0].providerInn']],
  },
  // FLK_KKT_REG_ID
  { name: '1037 of 13 digits', doc: () => ({ ...receipt('1.05'), kktRegId: '1200001300000' }), expected: [[FlkCodes.FLK_KKT_REG_ID, 'kktRegId']] },
  // FLK_TOTAL_MISMATCH
  { name: 'cash one kopeck over', doc: () => mutated(receipt('1.05'), (d) => (d.cashTotalSum = 10001)), expected: [[FlkCodes.FLK_TOTAL_MISMATCH, 'totalSum']] },
  { name: 'FFD 1.0: cash + electronic short of the total', doc: () => mutated(receipt('1.0'), (d) => (d.ecashTotalSum = 14000)), expected: [[FlkCodes.FLK_TOTAL_MISMATCH, 'totalSum']] },
  { name: 'credit 1216 not counted in the total', doc: () => mutated(receipt('1.2'), (d) => (d.creditSum = 100)), expected: [[FlkCodes.FLK_TOTAL_MISMATCH, 'totalSum']] },
  // FLK_ITEM_SUM: tolerance max(1.5, quantity / 2 + 1) kopecks. 45.50 × 2 = 91.00 ± 2; 45.50 × 1 ± 1.5.
  { name: 'item sum 3 kopecks over price × quantity', doc: () => withItemSum('1.05', 0, 9103), expected: [[FlkCodes.FLK_ITEM_SUM, 'items[0].sum']] },
  { name: 'item sum 3 kopecks under price × quantity (FFD 1.0)', doc: () => withItemSum('1.0', 0, 9097), expected: [[FlkCodes.FLK_ITEM_SUM, 'items[0].sum']] },
  {
    // 74988 at 10/110: 6817.09 → 1103 moved along, so only the item sum is wrong.
    name: 'FFD 1.2 item priced per unit but summed at one more unit',
    doc: () => mutated(withItemSum('1.2', 1, 14998 + 59990), (d) => (d.nds10 = 6817)),
    expected: [[FlkCodes.FLK_ITEM_SUM, 'items[1].sum']],
  },
  {
    name: 'item sum 2 kopecks over at quantity 1',
    doc: () => mutated(withItemSum('1.05', 0, 4552), (d) => { itemsOf(d)[0]!.quantity = 1; d.nds18 = 759; }),
    expected: [[FlkCodes.FLK_ITEM_SUM, 'items[0].sum']],
  },
  // FLK_ITEM_QUANTITY
  { name: 'item quantity 0', doc: () => mutated(receipt('1.2'), (d) => (itemsOf(d)[0]!.quantity = 0)), expected: [[FlkCodes.FLK_ITEM_QUANTITY, 'items[0].quantity']] },
  // FLK_ITEMS_TOTAL
  {
    name: 'total (and payments) one ruble above the items',
    doc: () => mutated(receipt('1.05'), (d) => { d.totalSum = 24198; d.cashTotalSum = 10100; }),
    expected: [[FlkCodes.FLK_ITEMS_TOTAL, 'totalSum']],
  },
  // FLK_VAT_SUM: 1102 = 1517 ± (1 item + 1).
  { name: '1102 three kopecks off', doc: () => ({ ...receipt('1.05'), nds18: 1520 }), expected: [[FlkCodes.FLK_VAT_SUM, 'nds18']] },
  { name: '1103 counted at 20/120', doc: () => ({ ...receipt('1.2'), nds10: 2500 }), expected: [[FlkCodes.FLK_VAT_SUM, 'nds10']] },
  { name: '1105 without VAT items', doc: () => ({ ...receipt('1.1'), ndsNo: 100 }), expected: [[FlkCodes.FLK_VAT_SUM, 'ndsNo']] },
  { name: '1106 without 20/120 items', doc: () => ({ ...receipt('1.2'), nds18118: 1517 }), expected: [[FlkCodes.FLK_VAT_SUM, 'nds18118']] },
  // FLK_ENUM
  { name: '1054 = 5', doc: () => ({ ...receipt('1.0'), operationType: 5 }), expected: [[FlkCodes.FLK_ENUM, 'operationType']] },
  { name: '1054 = 0', doc: () => ({ ...correction('1.05'), operationType: 0 }), expected: [[FlkCodes.FLK_ENUM, 'operationType']] },
  { name: '1055 with two systems', doc: () => ({ ...receipt('1.2'), appliedTaxationType: 1 | 2 }), expected: [[FlkCodes.FLK_ENUM, 'appliedTaxationType']] },
  { name: '1055 = 64 (no such system)', doc: () => ({ ...receipt('1.05'), appliedTaxationType: 64 }), expected: [[FlkCodes.FLK_ENUM, 'appliedTaxationType']] },
  { name: '1055 = 0', doc: () => ({ ...receipt('1.05'), appliedTaxationType: 0 }), expected: [[FlkCodes.FLK_ENUM, 'appliedTaxationType']] },
  { name: '1062 = 0', doc: () => ({ ...registration('1.05', 11), taxationType: 0 }), expected: [[FlkCodes.FLK_ENUM, 'taxationType']] },
  { name: '1173 = 2', doc: () => ({ ...correction('1.2', 41), correctionType: 2 }), expected: [[FlkCodes.FLK_ENUM, 'correctionType']] },
  {
    name: '1199 = 13',
    doc: () => mutated(receipt('1.2'), (d) => { itemsOf(d)[1]!.nds = 13; delete d.nds10; }),
    expected: [[FlkCodes.FLK_ENUM, 'items[1].nds']],
  },
  { name: '1212 = 0', doc: () => mutated(receipt('1.05'), (d) => (itemsOf(d)[0]!.productType = 0)), expected: [[FlkCodes.FLK_ENUM, 'items[0].productType']] },
  { name: '1214 = 8', doc: () => mutated(receipt('1.2'), (d) => (itemsOf(d)[1]!.paymentType = 8)), expected: [[FlkCodes.FLK_ENUM, 'items[1].paymentType']] },
  // FLK_FIELD_LENGTH
  {
    name: 'EAN-13 of 12 characters',
    doc: () => mutated(receipt('1.2'), (d) => (itemsOf(d)[0]!.productCodeNew = { ean13: '460000000000' })),
    expected: [[FlkCodes.FLK_FIELD_LENGTH, 'items[0].productCodeNew.ean13']],
  },
  {
    name: '2115 control code of 3 characters',
    doc: () => mutated(receipt('1.2'), (d) => (itemsOf(d)[1]!.controlCode = 'AB1')),
    expected: [[FlkCodes.FLK_FIELD_LENGTH, 'items[1].controlCode']],
  },
  {
    name: '1243 birthday not DD.MM.YYYY',
    doc: () => ({ ...receipt('1.2'), buyerInformation: { buyer: 'Петров П.П.', buyerBirthday: '1.1.1990' } }),
    expected: [[FlkCodes.FLK_FIELD_LENGTH, 'buyerInformation.buyerBirthday']],
  },
  {
    name: '1263 in the second 1261 not DD.MM.YYYY',
    doc: () => ({
      ...receipt('1.2'),
      industryReceiptDetails: [
        { idFoiv: '030', foundationDocDateTime: '21.11.2023', foundationDocNumber: '1944', industryPropValue: 'tm=mdlp' },
        { idFoiv: '030', foundationDocDateTime: '21.11.23', foundationDocNumber: '1944', industryPropValue: 'x' },
      ],
    }),
    expected: [[FlkCodes.FLK_FIELD_LENGTH, 'industryReceiptDetails[1].foundationDocDateTime']],
  },
];

function openShift2(ffd: FfdVersion): Json {
  return BUILDERS.find((b) => b.form === 2)!.build(ffd);
}

describe('each rule fails on a minimally broken document', () => {
  for (const c of failing) {
    it(c.name, () => {
      const result = check(c.doc(), c.ctx);
      expect(codesAndFields(result)).toEqual(c.expected);
      expect(result.ok).toBe(false);
      expect(result.failures[0]!.message.length).toBeGreaterThan(0);
    });
  }
});

describe('what the FFD permits passes', () => {
  const passing: Array<{ name: string; doc: () => Json; ctx?: Parameters<typeof check>[1] }> = [
    { name: '1012 exactly 2016-07-01T00:00:00', doc: () => ({ ...receipt('1.0'), dateTime: '2016-07-01T00:00:00' }) },
    // Kamchatka (UTC+12) a day ahead of a late register clock: received + 36 h is the last accepted second.
    { name: '1012 exactly received + 36 h', doc: () => ({ ...receipt('1.2'), dateTime: '2024-09-19T03:01:24' }) },
    { name: 'item sum 2 kopecks off at quantity 2 (rounded unit price)', doc: () => withItemSum('1.05', 0, 9102) },
    {
      name: 'item sum 1 kopeck off at quantity 1',
      doc: () => mutated(withItemSum('1.05', 0, 4551), (d) => { itemsOf(d)[0]!.quantity = 1; d.nds18 = 759; }),
    },
    { name: 'item sum 1 kopeck off at quantity 0.25', doc: () => withItemSum('1.2', 1, 14997) },
    {
      name: 'FFD 1.0 item with a discount (1112) below price × quantity',
      doc: () =>
        mutated(withItemSum('1.0', 0, 8190), (d) => (itemsOf(d)[0]!.modifiers = { discountName: 'Скидка 10%', discountSum: 910 })),
    },
    {
      name: 'FFD 1.0 total above the items (receipt discount, 1.0 is not checked)',
      doc: () => mutated(receipt('1.0'), (d) => { d.totalSum = 24198; d.cashTotalSum = 10100; }),
    },
    {
      name: 'FFD 1.2 fractional marked goods: 1/3 of a 300.00 pack at quantity 1',
      doc: () =>
        mutated(withItemSum('1.2', 0, 10000), (d) => {
          Object.assign(itemsOf(d)[0]!, { price: 30000, quantity: 1, labeledProdFractionalQuantity: { fractionalPart: '1/3', numerator: 1, denominator: 3 } });
          d.nds18 = 1667; // 10000 × 20/120 = 1666.67
        }),
    },
    { name: 'quantity with a trailing-zero scale ("2.000")', doc: () => mutated(receipt('1.2'), (d) => (itemsOf(d)[0]!.quantity = '2.000')) },
    // Exact VAT 1516.67; tolerance = 1 item + 1 kopeck.
    { name: '1102 within one item + 1 kopeck of the exact VAT', doc: () => ({ ...receipt('1.05'), nds18: 1518 }) },
    { name: '1102 rounded down instead of up', doc: () => ({ ...receipt('1.05'), nds18: 1516 }) },
    { name: '1102 at the pre-2019 18/118 rate', doc: () => ({ ...receipt('1.05'), dateTime: '2018-06-01T12:00:00', nds18: 1388 }) },
    { name: '1102 at the 2026 22/122 rate', doc: () => ({ ...receipt('1.2'), nds18: 1641 }), ctx: { receivedAt: new Date('2026-02-01T09:00:00Z') } },
    {
      name: '1199 = 7..12 (2025–2026 rates) without a receipt total',
      doc: () => mutated(receipt('1.2'), (d) => { itemsOf(d)[1]!.nds = 11; delete d.nds10; itemsOf(d)[0]!.nds = 7; delete d.nds18; }),
    },
    { name: 'VAT totals absent', doc: () => mutated(receipt('1.05'), (d) => { delete d.nds18; delete d.nds10; }) },
    { name: '1104 / 1105 equal to the 0 % / no-VAT items', doc: () => mutated(receipt('1.05'), (d) => { itemsOf(d)[0]!.nds = 5; itemsOf(d)[1]!.nds = 6; delete d.nds18; delete d.nds10; d.nds0 = 9100; d.ndsNo = 14998; }) },
    { name: 'advance item (1214 = 3) without price and quantity', doc: () => mutated(receipt('1.2'), (d) => { const it = itemsOf(d)[0]!; it.paymentType = 3; delete it.price; delete it.quantity; delete it.itemsQuantityMeasure; }) },
    { name: '1018 left-padded with 00', doc: () => ({ ...receipt('1.05'), userInn: '007704211201' }) },
    { name: '1226 all zeros (no Russian INN)', doc: () => mutated(receipt('1.2'), (d) => (itemsOf(d)[0]!.providerInn = '000000000000')) },
    { name: '1203 zero-length', doc: () => ({ ...receipt('1.2'), operatorInn: '' }) },
    { name: '1209 = 0 (FFD 1.0 beta)', doc: () => ({ ...receipt('1.0'), fiscalDocumentFormatVer: 0 }) },
    { name: 'unknown and raw tags are ignored', doc: () => ({ ...receipt('1.2'), tlv1058: 'AA==', tlv9999: 'AQID' }) },
    { name: 'registration in offline mode without 1017', doc: () => mutated(registration('1.05'), (d) => { delete d.ofdInn; d.offlineMode = 1; }) },
    { name: 'correction with 1055 = 32 (ПСН)', doc: () => ({ ...correction('1.1'), appliedTaxationType: 32 }) },
    { name: 'receipt with 1055 = 16 (ЕСХН)', doc: () => ({ ...receipt('1.0'), appliedTaxationType: 16 }) },
    { name: 'an FFD 1.05 receipt with 1227/1228 (back-ported buyer fields)', doc: () => ({ ...receipt('1.05'), buyer: 'ООО "Покупатель"', buyerInn: INN_ORG_2 }) },
  ];
  for (const p of passing) {
    it(p.name, () => {
      expect(check(p.doc(), p.ctx).failures).toEqual([]);
    });
  }
});

describe('several failures', () => {
  it('are reported in rule-table order, each with its own field', () => {
    const doc = mutated(receipt('1.2'), (d) => {
      d.userInn = '7704211202';
      d.operationType = 9;
      itemsOf(d)[0]!.paymentType = 0;
    });
    expect(codesAndFields(check(doc))).toEqual([
      [FlkCodes.FLK_INN, 'userInn'],
      [FlkCodes.FLK_ENUM, 'operationType'],
      [FlkCodes.FLK_ENUM, 'items[0].paymentType'],
    ]);
  });

  it('an unknown 1209 runs only the version-independent rules', () => {
    const doc = mutated(receipt('1.2'), (d) => {
      d.fiscalDocumentFormatVer = 7;
      delete itemsOf(d)[0]!.itemsQuantityMeasure; // mandatory only in 1.2: not reported for an unknown version
      d.nds18 = 1; // FLK_VAT_SUM is 1.05+: not run
    });
    expect(codesAndFields(check(doc))).toEqual([[FlkCodes.FLK_FFD_VERSION, 'fiscalDocumentFormatVer']]);
  });
});
