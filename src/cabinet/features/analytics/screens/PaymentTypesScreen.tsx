import { Card, Col, Row } from 'antd';
import { useMemo } from 'react';
import { useNavigate } from 'react-router';
import { formatMoney } from '../../../lib/format';
import { Chart, type ChartOption } from '../components/Chart';
import { PERIOD_EMPTY_HINT, ReportScreen } from '../components/ReportScreen';
import { ReportTable } from '../components/ReportTable';
import { receiptsHref } from '../lib/filters';
import { PAYMENT_KINDS, daysOf, paymentShares, revenueByDay } from '../lib/report-data';
import { rubles, type ScreenContext } from './context';
import type { Report } from '../api/reports';

const PAYMENT_OF: Record<string, (typeof PAYMENT_KINDS)[number]['payment']> = Object.fromEntries(PAYMENT_KINDS.map((k) => [k.key, k.payment]));

function Charts({ r, ctx }: { r: Report; ctx: ScreenContext }) {
  const navigate = useNavigate();
  const days = useMemo(() => revenueByDay(r.items, daysOf(ctx.period.from, ctx.period.to)), [r, ctx.period]);
  const shares = useMemo(() => paymentShares(r.items), [r]);
  const byDay: ChartOption = {
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatMoney(Math.round(v * 100)) },
    grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: days.map((d) => `${d.day.slice(8, 10)}.${d.day.slice(5, 7)}`) },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => v.toLocaleString('ru-RU') } },
    series: [{ name: 'Выручка', type: 'bar', data: days.map((d) => rubles(d.revenue)), itemStyle: { color: '#1668dc' } }],
  };
  const pie: ChartOption = {
    tooltip: { trigger: 'item', formatter: (p: { name: string; value: number; percent: number }) => `${p.name}: ${formatMoney(Math.round(p.value * 100))} (${String(p.percent).replace('.', ',')}%)` },
    legend: { bottom: 0 },
    series: [{ type: 'pie', radius: ['40%', '70%'], top: 0, bottom: 40, data: shares.map((s) => ({ name: s.label, value: rubles(Math.max(0, s.sum)) })), label: { formatter: '{d}%' } }],
  };
  return (
    <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
      <Col xs={24} xl={15}>
        <Card size="small" title="Выручка по дням, ₽ (приход − возвраты)">
          <Chart option={byDay} label={`Выручка по дням: ${days.map((d) => `${d.day} ${formatMoney(d.revenue)}`).join('; ')}`} onClick={(p) => void navigate(receiptsHref(ctx.filters, ctx.period, { day: days[p.dataIndex]?.day }))} />
        </Card>
      </Col>
      <Col xs={24} xl={9}>
        <Card size="small" title="Доли способов оплаты">
          <Chart
            option={pie}
            label={`Доли оплат: ${shares.map((s) => `${s.label} ${String(s.percent).replace('.', ',')}%`).join('; ')}`}
            onClick={(p) => {
              const k = shares[p.dataIndex];
              if (k) void navigate(receiptsHref(ctx.filters, ctx.period, { payment: PAYMENT_OF[k.key] }));
            }}
          />
        </Card>
      </Col>
    </Row>
  );
}

export default function PaymentTypesScreen(ctx: ScreenContext) {
  return (
    <ReportScreen name="payment-types" query={ctx.query} emptyTitle="Нет чеков за период" emptyHint={PERIOD_EMPTY_HINT}>
      {(r) => (
        <>
          <Charts r={r} ctx={ctx} />
          <ReportTable
            report={r}
            rowKey={(row) => `${row['day']}-${row['operationType']}`}
            linkOf={(row, key) => {
              const day = String(row['day']);
              const operationType = Number(row['operationType']);
              if (key === 'day') return receiptsHref(ctx.filters, ctx.period, { day });
              if (key === 'receipts' || key === 'totalSum' || key === 'operation') return receiptsHref(ctx.filters, ctx.period, { day, operationType });
              const payment = PAYMENT_OF[key];
              return payment ? receiptsHref(ctx.filters, ctx.period, { day, operationType, payment }) : undefined;
            }}
          />
        </>
      )}
    </ReportScreen>
  );
}
