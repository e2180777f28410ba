/**
 * The Z-report's reconciliation: the FN's shift counters (1194 shiftSumReports, FNS JSON names) against the totals of
 * the receipts the operator received for the shift. A difference means receipts the register made and the operator
 * lacks (or a counter the register reported wrong).
 */
import type { ZReport } from '../api/shifts';

export interface ReconcileRow {
  key: string;
  label: string;
  counted: number | null;
  received: number;
  difference: number | null;
}

const OPERATIONS = [
  ['sellOper', 'Приход', 'sellTotalSum'],
  ['sellReturnOper', 'Возврат прихода', 'sellReturnTotalSum'],
  ['buyOper', 'Расход', 'buyTotalSum'],
  ['buyReturnOper', 'Возврат расхода', 'buyReturnTotalSum'],
] as const;

function totalOf(counters: Record<string, unknown> | null, name: string): number | null {
  const shift = counters?.['shiftSumReports'];
  if (typeof shift !== 'object' || shift === null) return null;
  const op = (shift as Record<string, unknown>)[name];
  if (typeof op !== 'object' || op === null) return 0;
  const sum = (op as Record<string, unknown>)['totalSum'];
  return typeof sum === 'number' ? sum : 0;
}

export function reconcile(z: Pick<ZReport, 'counters' | 'received'>): ReconcileRow[] {
  return OPERATIONS.map(([name, label, receivedKey]) => {
    const counted = totalOf(z.counters, name);
    const received = z.received[receivedKey];
    return { key: name, label, counted, received, difference: counted === null ? null : counted - received };
  });
}
