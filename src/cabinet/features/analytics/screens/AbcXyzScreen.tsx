import { Alert, Badge, Card, Col, Empty, List, Row, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { formatMoney } from '../../../lib/format';
import { Chart, type ChartOption } from '../components/Chart';
import { PERIOD_EMPTY_HINT, ReportScreen } from '../components/ReportScreen';
import { ReportTable } from '../components/ReportTable';
import { ABC_MEANING, XYZ_MEANING, abcExtraOf, matrixCells, thresholdsText, type AbcExtra } from '../lib/abc-matrix';
import { receiptsHref } from '../lib/filters';
import { paretoPoints } from '../lib/report-data';
import type { Report } from '../api/reports';
import type { ScreenContext } from './context';

const CELL_COLOR: Record<string, string> = { A: '#f6ffed', B: '#fffbe6', C: '#fff1f0' };

function Matrix({ e, selected, onSelect }: { e: AbcExtra; selected: string | undefined; onSelect: (key: string) => void }) {
  const rows = matrixCells(e);
  return (
    <div role="table" aria-label="Матрица ABC/XYZ">
      <Row gutter={[8, 8]} role="row">
        <Col span={e.xyzJudged ? 6 : 8} />
        {rows[0]!.cells.map((c) => (
          <Col key={c.xyz} span={e.xyzJudged ? 6 : 16} role="columnheader" style={{ textAlign: 'center' }}>
            <Typography.Text strong>{c.xyz || 'XYZ не определён'}</Typography.Text>
            <div style={{ fontSize: 12, color: 'rgba(0,0,0,0.55)' }}>{c.xyz ? XYZ_MEANING[c.xyz] : 'период короткий'}</div>
          </Col>
        ))}
      </Row>
      {rows.map((r) => (
        <Row key={r.abc} gutter={[8, 8]} role="row" style={{ marginTop: 8 }}>
          <Col span={e.xyzJudged ? 6 : 8} role="rowheader">
            <Typography.Text strong>{r.abc}</Typography.Text>
            <div style={{ fontSize: 12, color: 'rgba(0,0,0,0.55)' }}>{ABC_MEANING[r.abc]}</div>
          </Col>
          {r.cells.map((c) => (
            <Col key={c.key} span={e.xyzJudged ? 6 : 16} role="cell">
              <button
                type="button"
                aria-pressed={selected === c.key}
                aria-label={`Группа ${c.key}: ${c.count} товаров`}
                onClick={() => onSelect(c.key)}
                style={{
                  width: '100%',
                  minHeight: 56,
                  border: selected === c.key ? '2px solid #1668dc' : '1px solid #d9d9d9',
                  borderRadius: 6,
                  background: CELL_COLOR[r.abc],
                  cursor: 'pointer',
                  font: 'inherit',
                }}
              >
                <div style={{ fontWeight: 600 }}>{c.key}</div>
                <div data-testid={`abc-cell-${c.key}`}>{c.count}</div>
              </button>
            </Col>
          ))}
        </Row>
      ))}
    </div>
  );
}

type ParetoPoint = ReturnType<typeof paretoPoints>[number];

function paretoOption(points: ParetoPoint[], e: AbcExtra): ChartOption {
  return {
    tooltip: { trigger: 'axis', formatter: (p: Array<{ dataIndex: number }>) => { const x = points[p[0]!.dataIndex]!; return `${x.name}<br/>${formatMoney(x.revenue)} · накоплено ${String(x.cumulative).replace('.', ',')}% · ${x.abc}`; } },
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: points.map((_, i) => i + 1), name: 'товары', axisLabel: { interval: 'auto' } },
    yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    series: [
      {
        type: 'line',
        name: 'Накопленная доля',
        data: points.map((x) => x.cumulative),
        showSymbol: points.length <= 60,
        areaStyle: { opacity: 0.1 },
        markLine: { symbol: 'none', label: { formatter: '{c}%' }, data: [{ yAxis: e.thresholds.abc.A }, { yAxis: e.thresholds.abc.B }] },
      },
    ],
  };
}

function Thresholds({ e }: { e: AbcExtra }) {
  return (
    <Card size="small" title="Пороги групп" style={{ marginBottom: 16 }}>
      {thresholdsText(e).map((t) => (
        <Typography.Paragraph key={t} style={{ margin: 0 }}>
          {t}
        </Typography.Paragraph>
      ))}
    </Card>
  );
}

/** The products of the picked group, each with its revenue and a link to its receipts. */
function GroupItems({ selected, items, revenueOf, ctx }: { selected: string | undefined; items: string[]; revenueOf: Map<string, number>; ctx: ScreenContext }) {
  return (
    <Card size="small" title={selected ? <>Товары группы {selected} <Badge count={items.length} showZero color="#1668dc" overflowCount={9999} /></> : 'Товары группы'}>
      {items.length === 0 ? (
        <Empty description="В группе нет товаров" />
      ) : (
        <section aria-label={`Товары группы ${selected}`}>
          <List
            size="small"
            dataSource={items}
            pagination={items.length > 10 ? { pageSize: 10, size: 'small' } : false}
            renderItem={(name) => (
              <List.Item extra={formatMoney(revenueOf.get(name))}>
                <Link to={receiptsHref(ctx.filters, ctx.period, { item: name })}>{name}</Link>
              </List.Item>
            )}
          />
        </section>
      )}
    </Card>
  );
}

function Body({ r, ctx }: { r: Report; ctx: ScreenContext }) {
  const e = abcExtraOf(r.extra);
  const points = useMemo(() => paretoPoints(r.items), [r]);
  const first = e ? matrixCells(e).flatMap((x) => x.cells).find((c) => c.count > 0)?.key : undefined;
  const [picked, setPicked] = useState<string>();
  const selected = picked !== undefined && e && (e.matrix[picked] ?? 0) > 0 ? picked : first;
  const revenueOf = useMemo(() => new Map(r.items.map((i) => [String(i['name']), Number(i['revenue'])])), [r]);
  if (!e) return <Alert type="error" title="Сервер не прислал матрицу ABC/XYZ. Обновите страницу." />;
  const items = selected ? (e.cells[selected] ?? []) : [];
  return (
    <>
      <Thresholds e={e} />
      <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
        <Col xs={24} lg={12}>
          <Card size="small" title="Матрица: нажмите на группу, чтобы увидеть товары">
            <Matrix e={e} selected={selected} onSelect={setPicked} />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <GroupItems selected={selected} items={items} revenueOf={revenueOf} ctx={ctx} />
        </Col>
      </Row>
      <Card size="small" title="Кривая Парето: накопленная доля выручки" style={{ marginBottom: 16 }}>
        <Chart option={paretoOption(points, e)} height={260} label={`Кривая Парето по ${points.length} товарам`} />
      </Card>
      <ReportTable report={r} rowKey={(row) => String(row['name'])} hide={['group']} linkOf={(row, key) => (key === 'name' ? receiptsHref(ctx.filters, ctx.period, { item: String(row['name']) }) : undefined)} />
    </>
  );
}

export default function AbcXyzScreen(ctx: ScreenContext) {
  return (
    <ReportScreen name="abc-xyz" query={ctx.query} emptyTitle="Нет проданных товаров за период" emptyHint={PERIOD_EMPTY_HINT}>
      {(r) => <Body r={r} ctx={ctx} />}
    </ReportScreen>
  );
}
