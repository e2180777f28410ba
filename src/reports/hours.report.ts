// The «hours» report: receipts per weekday and hour (report_rollup_hourly).
import { sql } from 'kysely';
import { WEEKDAYS, fromArray, query, rollupWhere, type Runner } from './report-query.js';

export const hours: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select extract(isodow from r.hour)::int as weekday, extract(hour from r.hour)::int as hour,
          coalesce(sum(r.receipts) filter (where r.operation_type = 1), 0)::bigint as sell_receipts,
          (coalesce(sum(r.total_sum) filter (where r.operation_type = 1), 0)
            - coalesce(sum(r.total_sum) filter (where r.operation_type = 2), 0))::bigint as revenue
        from report_rollup_hourly r where ${rollupWhere(f, 'hour')} group by 1, 2 order by 1, 2`,
  );
  return {
    name: 'hours',
    columns: [
      { key: 'weekdayName', title: 'День недели', kind: 'text' },
      { key: 'hour', title: 'Час', kind: 'int' },
      { key: 'sellReceipts', title: 'Чеков прихода', kind: 'int', total: true },
      { key: 'revenue', title: 'Выручка, ₽', kind: 'money', total: true },
    ],
    rows: fromArray(
      rows.map((r) => ({
        weekday: r.weekday!,
        weekdayName: WEEKDAYS[Number(r.weekday)] ?? '',
        hour: r.hour!,
        sellReceipts: r.sell_receipts!,
        revenue: r.revenue!,
      })),
    ),
  };
};
