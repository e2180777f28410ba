import { Card, Col, Row, Statistic } from 'antd';
import { useMemo } from 'react';
import { Link, useNavigate } from 'react-router';
import { formatCount, formatMoney } from '../../../lib/format';
import { plural } from '../../../lib/format';
import { Chart, type ChartOption } from '../components/Chart';
import { PERIOD_EMPTY_HINT, ReportScreen } from '../components/ReportScreen';
import { ReportTable } from '../components/ReportTable';
import { receiptsHref } from '../lib/filters';
import { outletsSideBySide, type OutletSummary } from '../lib/report-data';
import { rubles, type ScreenContext } from './context';
import type { Report } from '../api/reports';

function OutletCard({ o, ctx }: { o: OutletSummary; ctx: ScreenContext }) {
  const href = (operationType?: number) => receiptsHref(ctx.filters, ctx.period, { outletId: o.outletId, operationType });
  return (
    <Card size="small" title={o.title} extra={`${o.registers} ${plural(o.registers, 'касса', 'кассы', 'касс')}`} data-testid="outlet-card">
      <Row gutter={[8, 8]}>
        <Col span={24}>
          <Link to={href()}>
            <Statistic title="Выручка" value={formatMoney(o.revenue)} />
          </Link>
        </Col>
        <Col span={12}>
          <Link to={href(1)}>
            <Statistic title="Чеков прихода" value={formatCount(o.sellReceipts)} />
          </Link>
        </Col>
        <Col span={12}>
          <Statistic title="Средний чек" value={formatMoney(o.averageCheck)} />
        </Col>
        <Col span={24}>
          <Link to={href(2)}>
            <Statistic title="Возвраты" value={`${formatMoney(o.returnSum)} (${formatCount(o.returnReceipts)})`} />
          </Link>
        </Col>
      </Row>
    </Card>
  );
}

function Comparison({ r, ctx }: { r: Report; ctx: ScreenContext }) {
  const navigate = useNavigate();
  const outlets = useMemo(() => outletsSideBySide(r.items), [r]);
  const option: ChartOption = {
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatMoney(Math.round(v * 100)) },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    yAxis: { type: 'category', inverse: true, data: outlets.map((o) => (o.title.length > 28 ? `${o.title.slice(0, 27)}…` : o.title)) },
    xAxis: { type: 'value', axisLabel: { formatter: (v: number) => v.toLocaleString('ru-RU') } },
    series: [
      { name: 'Выручка', type: 'bar', data: outlets.map((o) => rubles(o.revenue)), itemStyle: { color: '#1668dc' } },
      { name: 'Возвраты', type: 'bar', data: outlets.map((o) => rubles(o.returnSum)), itemStyle: { color: '#d4380d' } },
    ],
  };
  return (
    <>
      <Card size="small" title="Сравнение точек, ₽" style={{ marginBottom: 16 }}>
        <Chart
          option={option}
          height={Math.max(160, 60 + outlets.length * 48)}
          label={`Выручка точек: ${outlets.map((o) => `${o.title} ${formatMoney(o.revenue)}`).join('; ')}`}
          onClick={(p) => {
            const o = outlets[p.dataIndex];
            if (o) void navigate(receiptsHref(ctx.filters, ctx.period, { outletId: o.outletId }));
          }}
        />
      </Card>
      <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
        {outlets.map((o) => (
          <Col key={o.outletId ?? 'none'} xs={24} sm={12} xl={8} xxl={6}>
            <OutletCard o={o} ctx={ctx} />
          </Col>
        ))}
      </Row>
    </>
  );
}

export default function OutletsScreen(ctx: ScreenContext) {
  return (
    <ReportScreen name="outlets" query={ctx.query} emptyTitle="Нет продаж за период" emptyHint={PERIOD_EMPTY_HINT}>
      {(r) => (
        <>
          <Comparison r={r} ctx={ctx} />
          <ReportTable
            report={r}
            caption="По кассам"
            hide={['outletId']}
            rowKey={(row) => `${row['organizationId']}-${row['outletId']}-${row['registerId']}`}
            linkOf={(row, key) => {
              const n = { outletId: row['outletId'] as number | null, registerId: row['registerId'] as number | null };
              if (key === 'registrationNumber' && row['registerId'] !== null) return `/registers/${row['registerId']}`;
              if (key === 'sellReceipts' || key === 'sellSum') return receiptsHref(ctx.filters, ctx.period, { ...n, operationType: 1 });
              if (key === 'returnReceipts' || key === 'returnSum') return receiptsHref(ctx.filters, ctx.period, { ...n, operationType: 2 });
              if (key === 'revenue' || key === 'address' || key === 'place') return receiptsHref(ctx.filters, ctx.period, n);
              return undefined;
            }}
          />
        </>
      )}
    </ReportScreen>
  );
}
