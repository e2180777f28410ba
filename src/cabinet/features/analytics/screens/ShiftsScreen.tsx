import { Card } from 'antd';
import { useMemo } from 'react';
import { useNavigate } from 'react-router';
import { formatMoney } from '../../../lib/format';
import { Chart, type ChartOption } from '../components/Chart';
import { PERIOD_EMPTY_HINT, ReportScreen } from '../components/ReportScreen';
import { ReportTable } from '../components/ReportTable';
import type { Report } from '../api/reports';
import { num, rubles, type ScreenContext } from './context';

function ShiftChart({ r }: { r: Report }) {
  const navigate = useNavigate();
  const shifts = useMemo(() => r.items.slice().sort((a, b) => String(a['openedAt']).localeCompare(String(b['openedAt']))).slice(-200), [r]);
  const option: ChartOption = {
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatMoney(Math.round(v * 100)) },
    grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: shifts.map((s) => `${String(s['registrationNumber'] ?? s['fn']).slice(-4)} №${s['shiftNumber']}`) },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => v.toLocaleString('ru-RU') } },
    series: [{ name: 'Выручка смены', type: 'bar', data: shifts.map((s) => rubles(num(s['revenue']))), itemStyle: { color: '#1668dc' } }],
  };
  return (
    <Card size="small" title="Выручка по сменам, ₽" style={{ marginBottom: 16 }}>
      <Chart option={option} height={260} label={`Выручка ${shifts.length} смен`} onClick={(p) => { const s = shifts[p.dataIndex]; if (s) void navigate(`/shifts/${s['fn']}/${s['shiftNumber']}`); }} />
    </Card>
  );
}

export default function ShiftsScreen(ctx: ScreenContext) {
  return (
    <ReportScreen name="shifts" query={ctx.query} emptyTitle="Нет смен за период" emptyHint={PERIOD_EMPTY_HINT}>
      {(r) => (
        <>
          <ShiftChart r={r} />
          <ReportTable
            report={r}
            rowKey={(row) => `${row['fn']}-${row['shiftNumber']}`}
            linkOf={(row, key) => (key === 'shiftNumber' || key === 'receipts' || key === 'revenue' ? `/shifts/${row['fn']}/${row['shiftNumber']}` : key === 'registrationNumber' && row['registerId'] ? `/registers/${row['registerId']}` : undefined)}
          />
        </>
      )}
    </ReportScreen>
  );
}
