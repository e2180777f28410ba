import { Card, Col, Row, Statistic, Tag, Timeline, Typography } from 'antd';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { formatLocalDateTime, plural } from '../../../lib/format';
import { ReportScreen } from '../components/ReportScreen';
import { ReportTable } from '../components/ReportTable';
import { fnTimeline, urgencyOf, type TimelineEvent, type Urgency } from '../lib/report-data';
import type { Report } from '../api/reports';
import type { ScreenContext } from './context';

const COLOR: Record<Urgency, string> = { overdue: 'red', urgent: 'red', soon: 'orange', later: 'green', unknown: 'gray' };
const WHAT: Record<TimelineEvent['what'], string> = { fn: 'Заменить ФН', ofd: 'Продлить обслуживание ОФД' };

function when(e: TimelineEvent): string {
  if (e.daysLeft === null) return 'дата неизвестна';
  if (e.daysLeft < 0) return `просрочено на ${-e.daysLeft} ${plural(-e.daysLeft, 'день', 'дня', 'дней')}`;
  if (e.daysLeft === 0) return 'сегодня';
  return `через ${e.daysLeft} ${plural(e.daysLeft, 'день', 'дня', 'дней')}`;
}

function Schedule({ r }: { r: Report }) {
  const events = useMemo(() => fnTimeline(r.items), [r]);
  const count = (u: Urgency[]) => events.filter((e) => u.includes(e.urgency)).length;
  return (
    <>
      <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
        <Col xs={12} md={6}><Card size="small"><Statistic title="Просрочено" value={count(['overdue'])} styles={{ content: { color: '#a8071a' } }} /></Card></Col>
        <Col xs={12} md={6}><Card size="small"><Statistic title="До 30 дней" value={count(['urgent'])} styles={{ content: { color: '#d4380d' } }} /></Card></Col>
        <Col xs={12} md={6}><Card size="small"><Statistic title="До 90 дней" value={count(['soon'])} styles={{ content: { color: '#ad6800' } }} /></Card></Col>
        <Col xs={12} md={6}><Card size="small"><Statistic title="Позже или без даты" value={count(['later', 'unknown'])} /></Card></Col>
      </Row>
      <Card size="small" title="Что заканчивается и когда" style={{ marginBottom: 16 }}>
        <Timeline
          aria-label="График замены ФН и ОФД"
          items={events.map((e) => ({
            key: e.key,
            color: COLOR[e.urgency],
            content: (
              <div data-testid="fn-event" data-fn={e.fn} data-what={e.what}>
                <Typography.Text strong>{e.on ? formatLocalDateTime(e.on) : '—'}</Typography.Text>{' '}
                <Tag color={COLOR[e.urgency]}>{when(e)}</Tag>
                <div>
                  {WHAT[e.what]}: {e.registerId !== null ? <Link to={`/registers/${e.registerId}`}>РН {e.registrationNumber}</Link> : `РН ${e.registrationNumber ?? '—'}`}, ФН {e.fn}
                </div>
                <Typography.Text type="secondary">{e.reason}</Typography.Text>
              </div>
            ),
          }))}
        />
      </Card>
    </>
  );
}

export default function FnScheduleScreen(ctx: ScreenContext) {
  // The schedule is the current state of the drives: the period does not narrow it, the places do.
  const query = { organizationId: ctx.query.organizationId, outletId: ctx.query.outletId, registerId: ctx.query.registerId };
  return (
    <ReportScreen name="fn-schedule" query={query} emptyTitle="Нет действующих фискальных накопителей" emptyHint="ФН появится здесь, когда касса передаст отчёт о регистрации или первый документ. Проверьте подключение касс.">
      {(r) => (
        <>
          <Schedule r={r} />
          <ReportTable
            report={r}
            rowKey={(row) => String(row['fn'])}
            rowClassName={(row) => `urgency-${urgencyOf(row['daysLeft'] as number | null)}`}
            linkOf={(row, key) => (key === 'registrationNumber' && row['registerId'] ? `/registers/${row['registerId']}` : undefined)}
          />
        </>
      )}
    </ReportScreen>
  );
}
