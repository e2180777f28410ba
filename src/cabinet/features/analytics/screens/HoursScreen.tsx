import { Card, Segmented } from 'antd';
import { useMemo, useState } from 'react';
import { formatCount, formatMoney } from '../../../lib/format';
import { Chart, type ChartOption } from '../components/Chart';
import { PERIOD_EMPTY_HINT, ReportScreen } from '../components/ReportScreen';
import { ReportTable } from '../components/ReportTable';
import { WEEKDAY_SHORT, hoursHeatmap } from '../lib/report-data';
import type { Report } from '../api/reports';
import type { ScreenContext } from './context';

const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

function Heatmap({ r }: { r: Report }) {
  const [metric, setMetric] = useState<'revenue' | 'sellReceipts'>('revenue');
  const { cells, max } = useMemo(() => hoursHeatmap(r.items, metric), [r, metric]);
  const show = (v: number) => (metric === 'revenue' ? formatMoney(v) : `${formatCount(v)} чеков`);
  const option: ChartOption = {
    tooltip: { formatter: (p: { data: [number, number, number] }) => `${WEEKDAY_SHORT[p.data[1]]}, ${HOURS[p.data[0]]}:00–${HOURS[p.data[0]]}:59<br/>${show(p.data[2])}` },
    grid: { left: 8, right: 8, top: 8, bottom: 56, containLabel: true },
    xAxis: { type: 'category', data: HOURS, splitArea: { show: true } },
    yAxis: { type: 'category', data: WEEKDAY_SHORT, inverse: true, splitArea: { show: true } },
    visualMap: { min: 0, max: Math.max(1, max), calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#f0f5ff', '#1668dc', '#061178'] }, formatter: (v: number) => (metric === 'revenue' ? Math.round(v / 100).toLocaleString('ru-RU') : String(Math.round(v))) },
    series: [{ type: 'heatmap', data: cells, emphasis: { itemStyle: { borderColor: '#000', borderWidth: 1 } } }],
  };
  return (
    <Card size="small" title="Тепловая карта: день недели × час" extra={<Segmented size="small" value={metric} onChange={setMetric} options={[{ value: 'revenue', label: 'Выручка' }, { value: 'sellReceipts', label: 'Чеки' }]} />} style={{ marginBottom: 16 }}>
      <Chart option={option} height={340} label="Тепловая карта продаж по дням недели и часам" />
    </Card>
  );
}

export default function HoursScreen(ctx: ScreenContext) {
  return (
    <ReportScreen name="hours" query={ctx.query} emptyTitle="Нет продаж за период" emptyHint={PERIOD_EMPTY_HINT}>
      {(r) => (
        <>
          <Heatmap r={r} />
          <ReportTable report={r} rowKey={(row) => `${row['weekday']}-${row['hour']}`} />
        </>
      )}
    </ReportScreen>
  );
}
