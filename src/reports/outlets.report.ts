// The «outlets» report: receipts per outlet and register (report_rollup_daily).
import { sql } from 'kysely';
import { fromArray, query, rollupWhere, type Runner } from './report-query.js';

export const outlets: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select r.organization_id, r.outlet_id, r.register_id, o.address, o.place, g.registration_number,
          sum(r.receipts) filter (where r.operation_type = 1)::bigint as sell_receipts,
          coalesce(sum(r.total_sum) filter (where r.operation_type = 1), 0)::bigint as sell_sum,
          sum(r.receipts) filter (where r.operation_type = 2)::bigint as return_receipts,
          coalesce(sum(r.total_sum) filter (where r.operation_type = 2), 0)::bigint as return_sum
        from report_rollup_daily r
        left join outlets o on o.id = r.outlet_id
        left join registers g on g.id = r.register_id
        where ${rollupWhere(f, 'day')}
        group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3`,
  );
  return {
    name: 'outlets',
    columns: [
      { key: 'outletId', title: 'Точка (id)', kind: 'int' },
      { key: 'address', title: 'Адрес', kind: 'text' },
      { key: 'place', title: 'Место расчётов', kind: 'text' },
      { key: 'registrationNumber', title: 'РН ККТ', kind: 'text' },
      { key: 'sellReceipts', title: 'Чеков прихода', kind: 'int', total: true },
      { key: 'sellSum', title: 'Приход, ₽', kind: 'money', total: true },
      { key: 'returnReceipts', title: 'Чеков возврата', kind: 'int', total: true },
      { key: 'returnSum', title: 'Возвраты, ₽', kind: 'money', total: true },
      { key: 'revenue', title: 'Выручка, ₽', kind: 'money', total: true },
      { key: 'averageCheck', title: 'Средний чек, ₽', kind: 'money' },
    ],
    rows: fromArray(
      rows.map((r) => {
        const sellReceipts = Number(r.sell_receipts ?? 0);
        const sellSum = Number(r.sell_sum);
        return {
          organizationId: r.organization_id!,
          outletId: r.outlet_id!,
          registerId: r.register_id!,
          address: r.address ?? null,
          place: r.place ?? null,
          registrationNumber: r.registration_number ?? null,
          sellReceipts,
          sellSum,
          returnReceipts: Number(r.return_receipts ?? 0),
          returnSum: Number(r.return_sum),
          revenue: sellSum - Number(r.return_sum),
          averageCheck: sellReceipts === 0 ? 0 : Math.round(sellSum / sellReceipts),
        };
      }),
    ),
  };
};
