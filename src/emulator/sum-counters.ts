/**
 * The FN's settlement counters (FFD 1.05+): 1194 `shiftSumReports` in the shift-closing report (per shift) and 1157
 * `fiscalDriveSumReports` (since registration). This emulator's reading of them (A — the FFD tables name the tags,
 * not every counting rule):
 *   1134 totalReceiptBsoCount   cash receipts (form 3) of any operation type
 *   1129 / 1130 / 1131 / 1132   receipts with 1054 = 1 / 2 / 3 / 4: count (1135), 1201 totalSum, 1136 cash, 1138 ecash,
 *                               1218–1220 (always 0 here), VAT 1139/1140/1141/1142, 1143 amount at 0 %, 1183 amount without VAT
 *   1133 receiptCorrection      correction receipts (form 31): 1144 count; 1145 (1054 = 1) / 1146 (1054 = 3) sums
 * Layout fits the dictionary's maxima (1129 ≤ 116, 1133 ≤ 216, 1194 ≤ 708 bytes) for sums below 2^40 kopecks.
 */
import type { FieldObject } from '../../protocol/document-json.js';
import type { SettlementTotals } from './settlement.js';

export interface OperationCounters {
  receiptBsoCount: number;
  totalSum: number;
  cashSum: number;
  ecashSum: number;
  prepaidSum: number;
  creditSum: number;
  provisionSum: number;
  tax18Sum: number;
  tax10Sum: number;
  tax18118Sum: number;
  tax10110Sum: number;
  tax0Sum: number;
  taxFreeSum: number;
}

export interface CorrectionSums {
  totalSum: number;
  cashSum: number;
  ecashSum: number;
  prepaidSum: number;
  creditSum: number;
  provisionSum: number;
}

/** 1054 → the counter STLV's FNS name. */
export const OPERATION_COUNTER: Readonly<Record<number, 'sellOper' | 'sellReturnOper' | 'buyOper' | 'buyReturnOper'>> = {
  1: 'sellOper',
  2: 'sellReturnOper',
  3: 'buyOper',
  4: 'buyReturnOper',
};

function emptyOperation(): OperationCounters {
  return {
    receiptBsoCount: 0,
    totalSum: 0,
    cashSum: 0,
    ecashSum: 0,
    prepaidSum: 0,
    creditSum: 0,
    provisionSum: 0,
    tax18Sum: 0,
    tax10Sum: 0,
    tax18118Sum: 0,
    tax10110Sum: 0,
    tax0Sum: 0,
    taxFreeSum: 0,
  };
}

function emptyCorrection(): CorrectionSums {
  return { totalSum: 0, cashSum: 0, ecashSum: 0, prepaidSum: 0, creditSum: 0, provisionSum: 0 };
}

export class SumCounters {
  totalReceiptBsoCount = 0;
  readonly operations = {
    sellOper: emptyOperation(),
    sellReturnOper: emptyOperation(),
    buyOper: emptyOperation(),
    buyReturnOper: emptyOperation(),
  };
  receiptCorrectionCount = 0;
  readonly sellCorrection = emptyCorrection();
  readonly buyCorrection = emptyCorrection();

  addReceipt(s: SettlementTotals): void {
    const name = OPERATION_COUNTER[s.operationType];
    if (!name) throw new RangeError(`operation type ${s.operationType}`);
    const c = this.operations[name];
    this.totalReceiptBsoCount++;
    c.receiptBsoCount++;
    c.totalSum += s.totalSum;
    c.cashSum += s.cashTotalSum;
    c.ecashSum += s.ecashTotalSum;
    c.tax18Sum += s.vat.nds18 ?? 0;
    c.tax10Sum += s.vat.nds10 ?? 0;
    c.tax18118Sum += s.vat.nds18118 ?? 0;
    c.tax10110Sum += s.vat.nds10110 ?? 0;
    c.tax0Sum += s.vat.nds0 ?? 0;
    c.taxFreeSum += s.vat.ndsNo ?? 0;
  }

  addCorrection(s: SettlementTotals): void {
    const c = s.operationType === 1 ? this.sellCorrection : s.operationType === 3 ? this.buyCorrection : undefined;
    if (!c) throw new RangeError(`correction operation type ${s.operationType}: only 1 and 3 are counted`);
    this.receiptCorrectionCount++;
    c.totalSum += s.totalSum;
    c.cashSum += s.cashTotalSum;
    c.ecashSum += s.ecashTotalSum;
  }

  /** The STLV as FNS JSON (1194 or 1157 value). Fresh objects: the caller's document keeps a snapshot. */
  toJson(): FieldObject {
    return {
      totalReceiptBsoCount: this.totalReceiptBsoCount,
      sellOper: { ...this.operations.sellOper },
      sellReturnOper: { ...this.operations.sellReturnOper },
      buyOper: { ...this.operations.buyOper },
      buyReturnOper: { ...this.operations.buyReturnOper },
      receiptCorrection: {
        receiptCorrectionCount: this.receiptCorrectionCount,
        sellCorrection: { ...this.sellCorrection },
        buyCorrection: { ...this.buyCorrection },
      },
    };
  }
}
