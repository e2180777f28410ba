// The «tax-systems» report: receipts per day and taxation system (report_rollup_daily).
import { sql } from 'kysely';
import { OPERATION_NAMES, TAXATION_NAMES, fromArray, query, rollupWhere, type Runner } from './report-query.js';
import { operationSign } from './operation-sign.js';

export const taxSystems: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select r.taxation_type, r.operation_type, sum(r.receipts)::bigint as receipts, sum(r.total_sum)::bigint as total_sum
        from report_rollup_daily r where ${rollupWhere(f, 'day')} group by 1, 2 order by 1, 2`,
  );
  return {
    name: 'tax-systems',
    totalSign: operationSign,
    columns: [
      { key: 'taxationName', title: 'Система налогообложения', kind: 'text' },
      { key: 'operation', title: 'Признак расчёта', kind: 'text' },
      { key: 'receipts', title: 'Чеков', kind: 'int', total: true },
      { key: 'totalSum', title: 'Сумма, ₽', kind: 'money', total: true },
    ],
    rows: fromArray(
      rows.map((r) => ({
        taxationType: r.taxation_type!,
        taxationName: TAXATION_NAMES[Number(r.taxation_type)] ?? 'Не указана',
        operationType: r.operation_type!,
        operation: OPERATION_NAMES[Number(r.operation_type)] ?? String(r.operation_type),
        receipts: r.receipts!,
        totalSum: r.total_sum!,
      })),
    ),
  };
};
