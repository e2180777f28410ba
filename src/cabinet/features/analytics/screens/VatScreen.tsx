import { Card } from 'antd';
import { useMemo } from 'react';
import { formatMoney } from '../../../lib/format';
import { Chart, type ChartOption } from '../components/Chart';
import { PERIOD_EMPTY_HINT, ReportScreen } from '../components/ReportScreen';
import { ReportTable } from '../components/ReportTable';
import { receiptsHref } from '../lib/filters';
import type { Report } from '../api/reports';
import { num, rubles, type ScreenContext } from './context';

const RATES = [
  { key: 'vat20', label: 'НДС 20%' },
  { key: 'vat10', label: 'НДС 10%' },
  { key: 'vat20_120', label: 'НДС 20/120' },
  { key: 'vat10_110', label: 'НДС 10/110' },
] as const;

function VatChart({ r }: { r: Report }) {
  const option: ChartOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatMoney(Math.round(v * 100)) },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: RATES.map((x) => x.label) },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => v.toLocaleString('ru-RU') } },
      series: r.items.map((row) => ({ name: String(row['operation']), type: 'bar', data: RATES.map((x) => rubles(num(row[x.key]))) })),
    }),
    [r],
  );
  return <Chart option={option} height={260} label={`НДС по ставкам: ${RATES.map((x) => `${x.label} ${formatMoney(r.totals[x.key] ?? 0)}`).join('; ')}`} />;
}

export default function VatScreen(ctx: ScreenContext) {
  return (
    <ReportScreen name="vat" query={ctx.query} emptyTitle="Нет расчётов за период" emptyHint={PERIOD_EMPTY_HINT}>
      {(r) => (
        <>
          <Card size="small" title="НДС по ставкам и признакам расчёта, ₽" style={{ marginBottom: 16 }}>
            <VatChart r={r} />
          </Card>
          <ReportTable
            report={r}
            rowKey={(row) => String(row['operationType'])}
            linkOf={(row, key) => (key === 'operation' || key === 'receipts' || key === 'totalSum' ? receiptsHref(ctx.filters, ctx.period, { operationType: num(row['operationType']) }) : undefined)}
          />
        </>
      )}
    </ReportScreen>
  );
}
