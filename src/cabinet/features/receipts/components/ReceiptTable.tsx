import { Grid, List, Table, Tag } from 'antd';
import { Link, useNavigate } from 'react-router';
import type { Register } from '../../../lib/api/lookups';
import { formatLocalDateTime, formatMoney } from '../../../lib/format';
import type { ReceiptSummary } from '../api/receipts';
import { FNS_STATUSES, OPERATION_TYPES } from '../lib/receipt-filters';

const FNS_COLOR: Record<string, string> = { accepted: 'green', accepted_with_warnings: 'gold', rejected: 'red', quarantine: 'red', dead: 'red' };

export function FnsTag({ status }: { status: string | null }) {
  const key = status ?? 'not_sent';
  return <Tag color={FNS_COLOR[key] ?? 'default'}>{FNS_STATUSES[key] ?? key}</Tag>;
}

const hrefOf = (r: ReceiptSummary) => `/receipts/${r.fn}/${r.fd}`;

/** The list as a table on wide screens and as cards on a phone (375 px). */
export function ReceiptTable({ rows, registers }: { rows: readonly ReceiptSummary[]; registers: ReadonlyMap<number, Register> }) {
  const screens = Grid.useBreakpoint();
  const navigate = useNavigate();
  const rn = (r: ReceiptSummary) => (r.registerId === null ? (r.kktRegId ?? '—') : (registers.get(r.registerId)?.registrationNumber ?? r.kktRegId ?? '—'));

  if (!screens.md) {
    return (
      <List
        aria-label="Чеки"
        dataSource={[...rows]}
        renderItem={(r) => (
          <List.Item key={`${r.fn}-${r.fd}`}>
            <Link to={hrefOf(r)} style={{ display: 'block', width: '100%', color: 'inherit' }} aria-label={`Чек ФД ${r.fd} на ${formatMoney(r.totalSum)}`}>
              <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
                <strong>{formatMoney(r.totalSum)}</strong>
                <span>{formatLocalDateTime(r.dateTime)}</span>
              </div>
              <div style={{ fontSize: 13, color: 'rgba(0,0,0,0.65)' }}>
                {OPERATION_TYPES[r.operationType ?? 0] ?? r.formName} · ФД {r.fd} · ФП {r.fiscalSign ?? '—'}
              </div>
              <div style={{ marginTop: 4 }}>
                <FnsTag status={r.fnsStatus} />
                {r.flk.status === 'failed' ? <Tag color="red">Ошибки ФЛК</Tag> : null}
              </div>
            </Link>
          </List.Item>
        )}
      />
    );
  }
  return (
    <Table<ReceiptSummary>
      rowKey={(r) => `${r.fn}-${r.fd}`}
      dataSource={[...rows]}
      pagination={false}
      size="middle"
      onRow={(r) => ({ onClick: (e) => (e.target as HTMLElement).closest('a') === null && void navigate(hrefOf(r)), style: { cursor: 'pointer' } })}
      columns={[
        { title: 'Дата и время', key: 'dt', render: (_, r) => formatLocalDateTime(r.dateTime) },
        { title: 'Операция', key: 'op', render: (_, r) => OPERATION_TYPES[r.operationType ?? 0] ?? r.formName ?? r.form },
        { title: 'Сумма', key: 'sum', align: 'right', render: (_, r) => formatMoney(r.totalSum) },
        { title: 'ФД', key: 'fd', render: (_, r) => <Link to={hrefOf(r)}>{r.fd}</Link> },
        { title: 'ФП', key: 'fp', render: (_, r) => r.fiscalSign ?? '—' },
        { title: 'Касса', key: 'rn', render: (_, r) => `РН ${rn(r)}` },
        { title: 'Смена', key: 'shift', render: (_, r) => r.shiftNumber ?? '—' },
        { title: 'ФНС', key: 'fns', render: (_, r) => <FnsTag status={r.fnsStatus} /> },
        { title: 'ФЛК', key: 'flk', render: (_, r) => (r.flk.status === 'failed' ? <Tag color="red">Ошибки</Tag> : <Tag color="green">OK</Tag>) },
      ]}
    />
  );
}
