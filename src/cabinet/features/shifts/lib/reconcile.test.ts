import { describe, expect, it } from 'vitest';
import { reconcile } from './reconcile';

const received = { receipts: 3, sellTotalSum: 30000, sellReturnTotalSum: 5000, buyTotalSum: 0, buyReturnTotalSum: 0 };

describe('Z-report reconciliation', () => {
  it('compares the FN’s shift counters with the receipts received, operation by operation', () => {
    const rows = reconcile({ counters: { shiftSumReports: { sellOper: { totalSum: 42000 }, sellReturnOper: { totalSum: 5000 } } }, received });
    expect(rows.map((r) => [r.label, r.counted, r.received, r.difference])).toEqual([
      ['Приход', 42000, 30000, 12000],
      ['Возврат прихода', 5000, 5000, 0],
      ['Расход', 0, 0, 0],
      ['Возврат расхода', 0, 0, 0],
    ]);
  });

  it('says nothing about differences when the report carries no counters (FFD 1.05 registers without 1194)', () => {
    expect(reconcile({ counters: null, received }).every((r) => r.counted === null && r.difference === null)).toBe(true);
  });
});
