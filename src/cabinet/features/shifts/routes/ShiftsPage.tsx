/** Чеки → Закрытые смены: closed shifts with the receipts received, and whether they match the Z-report. */
import { Button, Select, Space, Table, Tag } from 'antd';
import { Link } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { useAllRegisters } from '../../../lib/api/lookups';
import { formatCount, formatLocalDateTime, formatMoney } from '../../../lib/format';
import { useUrlFilters } from '../../../lib/url-filters';
import { useShifts, type Shift } from '../api/shifts';

const FILTERS = { registerId: 'int', fn: 'string', cursor: 'string' } as const;

export default function ShiftsPage() {
  const [f, setF] = useUrlFilters(FILTERS);
  const shifts = useShifts({ limit: 50, closed: 'true', ...f } as Parameters<typeof useShifts>[0]);
  const registers = useAllRegisters();
  const rn = new Map((registers.data?.items ?? []).map((r) => [r.id, r.registrationNumber]));
  return (
    <>
      <PageHeader title="Закрытые смены" />
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          aria-label="Касса"
          placeholder="Все кассы"
          allowClear
          value={f.registerId}
          onChange={(registerId?: number) => setF({ registerId })}
          options={(registers.data?.items ?? []).map((r) => ({ value: r.id, label: `РН ${r.registrationNumber}` }))}
          style={{ width: 260 }}
        />
      </Space>
      <QueryState
        query={shifts}
        loadingLabel="Загружаем смены…"
        isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState title="Закрытых смен нет" hint="Смена появится здесь после отчёта о закрытии смены (Z-отчёта)." />}
      >
        {(d) => (
          <>
            <Table<Shift>
              rowKey={(s) => `${s.fn}-${s.shiftNumber}`}
              dataSource={d.items}
              pagination={false}
              scroll={{ x: 900 }}
              columns={[
                { title: 'Смена', key: 'n', render: (_, s) => <Link to={`/shifts/${s.fn}/${s.shiftNumber}`}>№ {s.shiftNumber}</Link> },
                { title: 'Касса', key: 'rn', render: (_, s) => (s.registerId === null ? '—' : `РН ${rn.get(s.registerId) ?? s.registerId}`) },
                { title: 'Открыта', key: 'o', render: (_, s) => formatLocalDateTime(s.openedAt) },
                { title: 'Закрыта', key: 'c', render: (_, s) => formatLocalDateTime(s.closedAt) },
                { title: 'Чеков по Z-отчёту', key: 'rq', align: 'right', render: (_, s) => formatCount(s.report.receiptsQuantity) },
                { title: 'Получено чеков', key: 'rr', align: 'right', render: (_, s) => formatCount(s.received.receipts) },
                { title: 'Приход', key: 'sell', align: 'right', render: (_, s) => formatMoney(s.received.sellTotalSum) },
                { title: 'Возврат прихода', key: 'ret', align: 'right', render: (_, s) => formatMoney(s.received.sellReturnTotalSum) },
                {
                  title: 'Сверка',
                  key: 'ok',
                  render: (_, s) =>
                    s.report.receiptsQuantity === null ? (
                      <Tag>Нет Z-отчёта</Tag>
                    ) : s.report.receiptsQuantity <= s.received.receipts ? (
                      <Tag color="green">Сходится</Tag>
                    ) : (
                      <Tag color="red">Не хватает {s.report.receiptsQuantity - s.received.receipts}</Tag>
                    ),
                },
              ]}
            />
            <Space style={{ marginTop: 16 }}>
              {f.cursor !== undefined ? <Button onClick={() => setF({ ...f, cursor: undefined })}>В начало списка</Button> : null}
              {d.nextCursor !== null ? <Button type="primary" onClick={() => setF({ ...f, cursor: d.nextCursor ?? undefined })}>Следующие 50</Button> : null}
            </Space>
          </>
        )}
      </QueryState>
    </>
  );
}
