// The «z-report» report: the closing counters of each closed shift (shifts.closing_counters).
import type { Runner } from './report-query.js';
import { shiftPages } from './shift-pages.js';

/** A closing-report counter (1194 shiftSumReports) by FNS JSON path, or null. */
function counter(counters: unknown, ...path: string[]): number | null {
  let v: unknown = counters;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[p];
  }
  return typeof v === 'number' ? v : null;
}

export const zReport: Runner = async (db, f) => ({
  name: 'z-report',
  columns: [
    { key: 'registrationNumber', title: 'РН ККТ', kind: 'text' },
    { key: 'fn', title: 'ФН', kind: 'text' },
    { key: 'shiftNumber', title: 'Смена', kind: 'int' },
    { key: 'closedAt', title: 'Закрыта', kind: 'text' },
    { key: 'reportReceipts', title: 'Чеков по отчёту', kind: 'int', total: true },
    { key: 'receivedReceipts', title: 'Чеков получено', kind: 'int', total: true },
    { key: 'missingReceipts', title: 'Не получено', kind: 'int', total: true },
    { key: 'reportSellSum', title: 'Приход по отчёту, ₽', kind: 'money', total: true },
    { key: 'sellSum', title: 'Приход по чекам, ₽', kind: 'money', total: true },
    { key: 'sellReturnSum', title: 'Возврат прихода по чекам, ₽', kind: 'money', total: true },
    { key: 'buySum', title: 'Расход по чекам, ₽', kind: 'money', total: true },
    { key: 'buyReturnSum', title: 'Возврат расхода по чекам, ₽', kind: 'money', total: true },
    { key: 'matches', title: 'Сходится', kind: 'text' },
  ],
  rows: (async function* () {
    for await (const r of shiftPages(db, f, true)) {
      const reportReceipts = r.receipts_quantity === null ? null : Number(r.receipts_quantity);
      const received = Number(r.received_receipts);
      const reportSell = counter(r.closing_counters, 'shiftSumReports', 'sellOper', 'totalSum');
      const sellSum = Number(r.sell_total_sum);
      const matches = (reportReceipts === null || reportReceipts === received) && (reportSell === null || reportSell === sellSum);
      yield {
        registrationNumber: r.registration_number ?? null,
        fn: r.fn!,
        shiftNumber: r.shift_number!,
        closedAt: r.closed_at ?? null,
        closeFd: r.close_fd ?? null,
        reportReceipts,
        receivedReceipts: received,
        missingReceipts: reportReceipts === null ? null : Math.max(0, reportReceipts - received),
        reportSellSum: reportSell,
        sellSum,
        sellReturnSum: r.sell_return_total_sum!,
        buySum: r.buy_total_sum!,
        buyReturnSum: r.buy_return_total_sum!,
        matches: matches ? 'да' : 'нет',
      };
    }
  })(),
});
