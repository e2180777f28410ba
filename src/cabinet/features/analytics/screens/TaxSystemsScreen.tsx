import { Card } from 'antd';
import { useMemo } from 'react';
import { useNavigate } from 'react-router';
import { formatMoney } from '../../../lib/format';
import { Chart, type ChartOption } from '../components/Chart';
import { PERIOD_EMPTY_HINT, ReportScreen } from '../components/ReportScreen';
import { ReportTable } from '../components/ReportTable';
import { receiptsHref } from '../lib/filters';
import { OPERATION_SIGN } from '../lib/report-data';
import type { Report } from '../api/reports';
import { num, rubles, type ScreenContext } from './context';

/** Net sums per taxation system (the table has one row per system and operation). */
function netByTaxation(r: Report): Array<{ type: number; name: string; sum: number }> {
  const by = new Map<number, { type: number; name: string; sum: number }>();
  for (const row of r.items) {
    const type = num(row['taxationType']);
    const e = by.get(type) ?? { type, name: String(row['taxationName']), sum: 0 };
    e.sum += (OPERATION_SIGN[num(row['operationType'])] ?? 1) * num(row['totalSum']);
    by.set(type, e);
  }
  return [...by.values()].sort((a, b) => b.sum - a.sum);
}

export default function TaxSystemsScreen(ctx: ScreenContext) {
  const navigate = useNavigate();
  return (
    <ReportScreen name="tax-systems" query={ctx.query} emptyTitle="Нет расчётов за период" emptyHint={PERIOD_EMPTY_HINT}>
      {(r) => {
        const net = netByTaxation(r);
        return (
          <>
            <Card size="small" title="Итог по системам налогообложения (приход − возвраты)" style={{ marginBottom: 16 }}>
              <TaxChart net={net} onPick={(type) => void navigate(receiptsHref(ctx.filters, ctx.period, { taxationType: type }))} />
            </Card>
            <ReportTable
              report={r}
              rowKey={(row) => `${row['taxationType']}-${row['operationType']}`}
              linkOf={(row, key) => (key === 'receipts' || key === 'totalSum' || key === 'taxationName' ? receiptsHref(ctx.filters, ctx.period, { taxationType: num(row['taxationType']) || undefined, operationType: num(row['operationType']) }) : undefined)}
            />
          </>
        );
      }}
    </ReportScreen>
  );
}

function TaxChart({ net, onPick }: { net: Array<{ type: number; name: string; sum: number }>; onPick: (type: number) => void }) {
  const option: ChartOption = useMemo(
    () => ({
      tooltip: { trigger: 'item', formatter: (p: { name: string; value: number; percent: number }) => `${p.name}: ${formatMoney(Math.round(p.value * 100))} (${String(p.percent).replace('.', ',')}%)` },
      legend: { bottom: 0 },
      series: [{ type: 'pie', radius: ['40%', '70%'], bottom: 40, data: net.map((n) => ({ name: n.name, value: rubles(Math.max(0, n.sum)) })), label: { formatter: '{b}: {d}%' } }],
    }),
    [net],
  );
  return <Chart option={option} height={280} label={`СНО: ${net.map((n) => `${n.name} ${formatMoney(n.sum)}`).join('; ')}`} onClick={(p) => { const n = net[p.dataIndex]; if (n) onPick(n.type); }} />;
}
