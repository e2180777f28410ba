/** Главная: takings today and this month, the fleet's state, and what needs action now — each linking to its list. */
import { Card, Col, List, Row, Statistic, Tag } from 'antd';
import { Link } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { useAllRegisters, type Register } from '../../../lib/api/lookups';
import { formatCount, formatMoney } from '../../../lib/format';
import { periods, useDocumentCount, useTakings, type Takings } from '../api/dashboard';

function TakingsCard({ title, from, to }: { title: string; from: string; to: string }) {
  const t = useTakings(from, to);
  return (
    <Card title={title} size="small">
      <QueryState query={t}>
        {(d: Takings) => (
          <Row gutter={16}>
            <Col span={24} sm={8}>
              <Statistic title="Выручка" value={formatMoney(d.revenue)} />
            </Col>
            <Col span={12} sm={8}>
              <Statistic title="Чеков прихода" value={formatCount(d.receipts)} />
            </Col>
            <Col span={12} sm={8}>
              <Statistic title="Средний чек" value={formatMoney(d.averageCheck)} />
            </Col>
          </Row>
        )}
      </QueryState>
    </Card>
  );
}

const has = (r: Register, ...reasons: string[]) => r.connection.attention.some((a) => reasons.includes(a));

const FLEET = [
  { state: 'connected', title: 'На связи', color: '#237804' },
  { state: 'silent', title: 'Молчат', color: '#ad4e00' },
  { state: 'needs_attention', title: 'Внимание', color: '#a8071a' },
] as const;

/** How many registers are connected, silent and in need of attention, each linking to the filtered list. */
function FleetCard() {
  const registers = useAllRegisters();
  return (
    <Card title="Кассы" size="small">
      <QueryState query={registers}>
        {(d) => (
          <Row gutter={16}>
            {FLEET.map((f) => (
              <Col key={f.state} span={8}>
                <Link to={`/registers?state=${f.state}`}>
                  <Statistic title={f.title} value={d.items.filter((r) => r.connection.status === f.state).length} valueStyle={{ color: f.color }} />
                </Link>
              </Col>
            ))}
          </Row>
        )}
      </QueryState>
    </Card>
  );
}

/** What needs action now: FN terms, unsent documents, ФЛК errors and FNS rejections, each linking to its list. */
function ActionsCard() {
  const registers = useAllRegisters();
  const flk = useDocumentCount({ flkStatus: 'failed' });
  const rejected = useDocumentCount({ fnsStatus: 'rejected' });
  const all = registers.data?.items ?? [];
  const count = (pred: (r: Register) => boolean) => all.filter(pred).length;
  const n = (v: number | undefined) => (v === undefined ? '…' : v >= 50 ? '50+' : String(v));
  const actions = [
    { key: 'fn', title: 'Срок ФН истекает или ФН требует замены', count: String(count((r) => has(r, 'fn_expiring', 'fn_replace_required', 'fn_exhausted', 'fn_memory_exceeded'))), to: '/registers?state=needs_attention' },
    { key: 'unsent', title: 'Кассы с неотправленными или пропущенными документами', count: String(count((r) => has(r, 'not_transmitted', 'fd_gaps'))), to: '/registers?state=needs_attention' },
    { key: 'flk', title: 'Чеки с ошибками ФЛК', count: n(flk.data), to: '/receipts?flkStatus=failed' },
    { key: 'fns', title: 'Чеки, отклонённые ФНС', count: n(rejected.data), to: '/receipts?fnsStatus=rejected' },
  ];
  return (
    <Card title="Требует действий" size="small">
      <List
        dataSource={actions}
        renderItem={(a) => (
          <List.Item key={a.key} extra={<Tag color={a.count === '0' ? 'green' : 'red'}>{a.count}</Tag>}>
            <Link to={a.to}>{a.title}</Link>
          </List.Item>
        )}
      />
    </Card>
  );
}

export default function DashboardPage() {
  const { today, monthStart } = periods();
  return (
    <>
      <PageHeader title="Главная" />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <TakingsCard title="Сегодня" from={today} to={today} />
        </Col>
        <Col xs={24} xl={12}>
          <TakingsCard title="С начала месяца" from={monthStart} to={today} />
        </Col>
        <Col xs={24} lg={10}>
          <FleetCard />
        </Col>
        <Col xs={24} lg={14}>
          <ActionsCard />
        </Col>
      </Row>
    </>
  );
}
