import { Button, Input, Select, Space, Table, Tag } from 'antd';
import { Link } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { outletTitle, useAllOutlets, useAllRegisters, type Register } from '../../../lib/api/lookups';
import { formatInstant, formatLocalDateTime } from '../../../lib/format';
import { useUrlFilters } from '../../../lib/url-filters';
import { useFiscalDrivesByFn } from '../api/fiscal-drives';
import { ATTENTION_LABEL, registerState, STATE_LABEL, type RegisterState } from '../lib/register-status';

const FILTERS = { q: 'string', state: 'string', outletId: 'int', organizationId: 'int' } as const;

function matches(r: Register, q: string): boolean {
  const s = q.trim().toLowerCase();
  return s === '' || [r.registrationNumber, r.serialNumber ?? '', r.connection.currentFn ?? ''].some((v) => v.toLowerCase().includes(s));
}

export default function RegistersPage() {
  const [f, setF] = useUrlFilters(FILTERS);
  const registers = useAllRegisters();
  const outlets = useAllOutlets();
  const drives = useFiscalDrivesByFn();
  const outletName = new Map((outlets.data?.items ?? []).map((o) => [o.id, outletTitle(o)]));

  return (
    <>
      <PageHeader
        title="Кассы"
        extra={
          <Space wrap>
            <Link to="/kkt-applications">
              <Button>Заявления в ФНС</Button>
            </Link>
            <Link to="/registers/register-new">
              <Button type="primary">Зарегистрировать кассу</Button>
            </Link>
          </Space>
        }
      />
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          aria-label="Поиск кассы по РН, заводскому номеру или ФН"
          placeholder="РН, заводской номер, ФН"
          defaultValue={f.q}
          allowClear
          onSearch={(q) => setF({ ...f, q })}
          style={{ width: 280 }}
        />
        <Select
          aria-label="Статус"
          placeholder="Любой статус"
          allowClear
          value={f.state}
          onChange={(state?: string) => setF({ ...f, state })}
          options={Object.entries(STATE_LABEL).map(([value, l]) => ({ value, label: l.text }))}
          style={{ width: 200 }}
        />
        <Select
          aria-label="Торговая точка"
          placeholder="Все торговые точки"
          allowClear
          value={f.outletId}
          onChange={(outletId?: number) => setF({ ...f, outletId })}
          options={(outlets.data?.items ?? []).map((o) => ({ value: o.id, label: outletTitle(o) }))}
          style={{ width: 260 }}
        />
      </Space>
      <QueryState
        query={registers}
        loadingLabel="Загружаем кассы…"
        isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState title="Касс пока нет" hint="Касса появится здесь, как только пришлёт первый документ в ОФД, или после регистрации в разделе подключения." />}
      >
        {(d) => {
          const rows = d.items.filter(
            (r) =>
              matches(r, f.q ?? '') &&
              (f.state === undefined || registerState(r) === f.state) &&
              (f.outletId === undefined || r.outletId === f.outletId) &&
              (f.organizationId === undefined || r.organizationId === f.organizationId),
          );
          return (
            <Table<Register>
              rowKey="id"
              dataSource={rows}
              pagination={{ pageSize: 50, hideOnSinglePage: true }}
              scroll={{ x: 900 }}
              locale={{ emptyText: 'Нет касс под эти условия. Сбросьте фильтры.' }}
              columns={[
                {
                  title: 'Касса',
                  key: 'rn',
                  fixed: 'left',
                  render: (_, r) => (
                    <Link to={`/registers/${r.id}`}>
                      РН {r.registrationNumber}
                      {r.serialNumber ? <div style={{ fontSize: 12, color: 'rgba(0,0,0,0.65)' }}>ЗН {r.serialNumber}</div> : null}
                    </Link>
                  ),
                },
                {
                  title: 'Статус',
                  key: 'state',
                  render: (_, r) => {
                    const s: RegisterState = registerState(r);
                    return (
                      <>
                        <Tag color={STATE_LABEL[s].color}>{STATE_LABEL[s].text}</Tag>
                        {r.connection.attention.filter((a) => a !== 'fn_closed').map((a) => (
                          <div key={a} style={{ fontSize: 12 }}>
                            {ATTENTION_LABEL[a] ?? a}
                          </div>
                        ))}
                      </>
                    );
                  },
                },
                { title: 'Торговая точка', key: 'outlet', render: (_, r) => (r.outletId === null ? '—' : (outletName.get(r.outletId) ?? `№${r.outletId}`)) },
                {
                  title: 'ФН и срок',
                  key: 'fn',
                  render: (_, r) => {
                    const d = r.connection.currentFn === null ? undefined : drives.data?.get(r.connection.currentFn);
                    const left = d?.forecast.daysLeft;
                    return (
                      <>
                        {r.connection.currentFn ?? '—'}
                        {d?.forecast.expiresOn ? (
                          <div style={{ fontSize: 12, color: left !== null && left !== undefined && left <= 30 ? '#a8071a' : 'rgba(0,0,0,0.65)' }}>
                            до {formatLocalDateTime(d.forecast.expiresOn)}
                            {left !== null && left !== undefined ? ` (${left} дн.)` : ''}
                          </div>
                        ) : null}
                      </>
                    );
                  },
                },
                {
                  title: 'Обслуживание ОФД до',
                  key: 'ofd',
                  render: (_, r) => (r.ofdService.until === null ? '—' : `${formatLocalDateTime(r.ofdService.until)}${r.ofdService.daysLeft !== null && r.ofdService.daysLeft <= 30 ? ` (осталось ${r.ofdService.daysLeft} дн.)` : ''}`),
                },
                { title: 'Последний документ', key: 'last', render: (_, r) => formatInstant(r.connection.lastReceivedAt) },
              ]}
            />
          );
        }}
      </QueryState>
    </>
  );
}
