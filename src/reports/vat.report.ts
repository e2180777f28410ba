// The «vat» report: vAT totals per day (report_rollup_daily).
import { sql } from 'kysely';
import { OPERATION_NAMES, fromArray, query, rollupWhere, sumsOf, type Runner } from './report-query.js';
import { operationSign } from './operation-sign.js';

export const vat: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select r.operation_type, sum(r.receipts)::bigint as receipts,
          ${sumsOf(['total_sum', 'nds20_sum', 'nds10_sum', 'nds20_120_sum', 'nds10_110_sum', 'nds0_base', 'nds_no_base'])}
        from report_rollup_daily r where ${rollupWhere(f, 'day')} group by 1 order by 1`,
  );
  return {
    name: 'vat',
    totalSign: operationSign,
    columns: [
      { key: 'operation', title: 'Признак расчёта', kind: 'text' },
      { key: 'receipts', title: 'Чеков', kind: 'int', total: true },
      { key: 'totalSum', title: 'Сумма расчётов, ₽', kind: 'money', total: true },
      { key: 'vat20', title: 'НДС 20%, ₽', kind: 'money', total: true },
      { key: 'vat10', title: 'НДС 10%, ₽', kind: 'money', total: true },
      { key: 'vat20_120', title: 'НДС 20/120, ₽', kind: 'money', total: true },
      { key: 'vat10_110', title: 'НДС 10/110, ₽', kind: 'money', total: true },
      { key: 'vat0Base', title: 'Сумма с НДС 0%, ₽', kind: 'money', total: true },
      { key: 'noVatBase', title: 'Сумма без НДС, ₽', kind: 'money', total: true },
    ],
    rows: fromArray(
      rows.map((r) => ({
        operationType: r.operation_type!,
        operation: OPERATION_NAMES[Number(r.operation_type)] ?? String(r.operation_type),
        receipts: r.receipts!,
        totalSum: r.total_sum!,
        vat20: r.nds20_sum!,
        vat10: r.nds10_sum!,
        vat20_120: r.nds20_120_sum!,
        vat10_110: r.nds10_110_sum!,
        vat0Base: r.nds0_base!,
        noVatBase: r.nds_no_base!,
      })),
    ),
  };
};
