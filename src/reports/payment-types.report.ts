// The «payment-types» report: receipts per day and «признак расчёта» with their payment means (report_rollup_daily).
import { sql } from 'kysely';
import { OPERATION_NAMES, fromArray, query, rollupWhere, sumsOf, type Runner } from './report-query.js';
import { operationSign } from './operation-sign.js';

export const paymentTypes: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select to_char(r.day, 'YYYY-MM-DD') as day, r.operation_type as "operationType", sum(r.receipts)::bigint as receipts,
          ${sumsOf(['total_sum', 'cash_sum', 'ecash_sum', 'prepaid_sum', 'credit_sum', 'provision_sum'])}
        from report_rollup_daily r where ${rollupWhere(f, 'day')}
        group by 1, 2 order by 1, 2`,
  );
  return {
    name: 'payment-types',
    totalSign: operationSign,
    columns: [
      { key: 'day', title: 'Дата', kind: 'text' },
      { key: 'operation', title: 'Признак расчёта', kind: 'text' },
      { key: 'receipts', title: 'Чеков', kind: 'int', total: true },
      { key: 'totalSum', title: 'Итого, ₽', kind: 'money', total: true },
      { key: 'cash', title: 'Наличными, ₽', kind: 'money', total: true },
      { key: 'card', title: 'Безналичными, ₽', kind: 'money', total: true },
      { key: 'prepaid', title: 'Предоплата (аванс), ₽', kind: 'money', total: true },
      { key: 'credit', title: 'Постоплата (кредит), ₽', kind: 'money', total: true },
      { key: 'provision', title: 'Встречное предоставление, ₽', kind: 'money', total: true },
    ],
    rows: fromArray(
      rows.map((r) => ({
        day: r.day!,
        operationType: r.operationType!,
        operation: OPERATION_NAMES[Number(r.operationType)] ?? String(r.operationType),
        receipts: r.receipts!,
        totalSum: r.total_sum!,
        cash: r.cash_sum!,
        card: r.ecash_sum!,
        prepaid: r.prepaid_sum!,
        credit: r.credit_sum!,
        provision: r.provision_sum!,
      })),
    ),
  };
};
