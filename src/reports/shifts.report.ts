// The «shifts» report: every shift of the period with its counters (shifts).
import type { Runner } from './report-query.js';
import { shiftPages } from './shift-pages.js';

export const shifts: Runner = async (db, f) => ({
  name: 'shifts',
  columns: [
    { key: 'registrationNumber', title: 'РН ККТ', kind: 'text' },
    { key: 'fn', title: 'ФН', kind: 'text' },
    { key: 'shiftNumber', title: 'Смена', kind: 'int' },
    { key: 'openedAt', title: 'Открыта', kind: 'text' },
    { key: 'closedAt', title: 'Закрыта', kind: 'text' },
    { key: 'durationMinutes', title: 'Длительность, мин', kind: 'int' },
    { key: 'receipts', title: 'Чеков', kind: 'int', total: true },
    { key: 'sellSum', title: 'Приход, ₽', kind: 'money', total: true },
    { key: 'returnSum', title: 'Возвраты прихода, ₽', kind: 'money', total: true },
    { key: 'revenue', title: 'Выручка, ₽', kind: 'money', total: true },
  ],
  rows: (async function* () {
    for await (const r of shiftPages(db, f, false)) {
      yield {
        registrationNumber: r.registration_number ?? null,
        fn: r.fn!,
        shiftNumber: r.shift_number!,
        registerId: r.register_id ?? null,
        openedAt: r.opened_at ?? null,
        closedAt: r.closed_at ?? null,
        durationMinutes: r.duration_s === null ? null : Math.floor(Number(r.duration_s) / 60),
        receipts: r.received_receipts!,
        sellSum: r.sell_total_sum!,
        returnSum: r.sell_return_total_sum!,
        revenue: Number(r.sell_total_sum) - Number(r.sell_return_total_sum),
      };
    }
  })(),
});
