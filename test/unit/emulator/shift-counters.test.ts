import { describe, expect, it } from 'vitest';
import { decodeDocument } from '../../../protocol/document-json.js';
import { generate } from './stream-fixture.js';

type Json = Record<string, unknown>;

const OPERATION = { 1: 'sellOper', 2: 'sellReturnOper', 3: 'buyOper', 4: 'buyReturnOper' } as const;
/** Receipt VAT field → counter field (1102 → 1139, 1103 → 1140, 1106 → 1141, 1107 → 1142, 1104 → 1143, 1105 → 1183). */
const VAT_COUNTER = { nds18: 'tax18Sum', nds10: 'tax10Sum', nds18118: 'tax18118Sum', nds10110: 'tax10110Sum', nds0: 'tax0Sum', ndsNo: 'taxFreeSum' } as const;

function zeroOperation(): Record<string, number> {
  return { receiptBsoCount: 0, totalSum: 0, cashSum: 0, ecashSum: 0, prepaidSum: 0, creditSum: 0, provisionSum: 0, tax18Sum: 0, tax10Sum: 0, tax18118Sum: 0, tax10110Sum: 0, tax0Sum: 0, taxFreeSum: 0 };
}

function zeroCorrection(): Record<string, number> {
  return { totalSum: 0, cashSum: 0, ecashSum: 0, prepaidSum: 0, creditSum: 0, provisionSum: 0 };
}

/** The counter STLV recomputed from decoded receipts and correction receipts — independent of sum-counters.ts. */
function expectedCounters(docs: Json[]): Json {
  const ops: Record<string, Record<string, number>> = { sellOper: zeroOperation(), sellReturnOper: zeroOperation(), buyOper: zeroOperation(), buyReturnOper: zeroOperation() };
  const corr = { sellCorrection: zeroCorrection(), buyCorrection: zeroCorrection() };
  let receipts = 0;
  let corrections = 0;
  for (const d of docs) {
    if (d.code === 3) {
      receipts++;
      const c = ops[OPERATION[d.operationType as 1 | 2 | 3 | 4]]!;
      c.receiptBsoCount!++;
      c.totalSum! += d.totalSum as number;
      c.cashSum! += d.cashTotalSum as number;
      c.ecashSum! += d.ecashTotalSum as number;
      for (const [field, counter] of Object.entries(VAT_COUNTER)) c[counter]! += (d[field] as number | undefined) ?? 0;
    } else if (d.code === 31) {
      corrections++;
      const c = d.operationType === 1 ? corr.sellCorrection : corr.buyCorrection;
      c.totalSum! += d.totalSum as number;
      c.cashSum! += d.cashTotalSum as number;
      c.ecashSum! += d.ecashTotalSum as number;
    }
  }
  return { totalReceiptBsoCount: receipts, ...ops, receiptCorrection: { receiptCorrectionCount: corrections, ...corr } };
}

describe('shift-closing counters', () => {
  it('equal the sums over the receipts actually generated, per shift (1194) and since registration (1157)', () => {
    let shifts = 0;
    for (const index of [0, 3, 6, 9, 12]) {
      const { messages } = generate(index, { maxDocuments: 400, correctionShare: 0.05, flkErrorRate: 0.05 });
      const docs = messages.map((m) => {
        const d = decodeDocument(m.documentTlv);
        return d.json[d.formName] as Json;
      });
      let shiftStart = -1;
      docs.forEach((d, i) => {
        if (d.code === 2) shiftStart = i;
        if (d.code !== 5) return;
        shifts++;
        const shift = docs.slice(shiftStart, i + 1);
        expect(d.shiftNumber).toBe(docs[shiftStart]!.shiftNumber);
        expect(d.documentsQuantity).toBe(i - shiftStart + 1);
        expect(d.receiptsQuantity).toBe(shift.filter((x) => x.code === 3 || x.code === 31).length);
        expect(d.shiftSumReports).toEqual(expectedCounters(shift));
        expect(d.fiscalDriveSumReports).toEqual(expectedCounters(docs.slice(0, i + 1)));
      });
      // The current-state report (21) carries the drive's counters so far.
      docs.forEach((d, i) => {
        if (d.code === 21) expect(d.fiscalDriveSumReports).toEqual(expectedCounters(docs.slice(0, i)));
      });
    }
    expect(shifts).toBeGreaterThanOrEqual(10);
  });

  it('number receipts within a shift (1042) and shifts within the drive (1038) from 1', () => {
    const { messages } = generate(4, { maxDocuments: 300 });
    let shift = 0;
    let request = 0;
    for (const m of messages) {
      const d = decodeDocument(m.documentTlv);
      const f = d.json[d.formName] as Json;
      if (d.form === 2) {
        expect(f.shiftNumber).toBe(++shift);
        request = 0;
      }
      if (d.form === 3 || d.form === 31) {
        expect(f.requestNumber).toBe(++request);
        expect(f.shiftNumber).toBe(shift);
      }
    }
    expect(shift).toBeGreaterThanOrEqual(2);
  });
});
