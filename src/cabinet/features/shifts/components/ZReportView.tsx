/** One shift's Z-report: the verdict, the report's requisites, the counters reconciled and the missing documents. */
import { Alert, Card, Descriptions, Table, Tag } from 'antd';
import type { TableColumnsType } from 'antd';
import { Link } from 'react-router';
import { formatCount, formatLocalDateTime, formatMoney } from '../../../lib/format';
import type { ZReport } from '../api/shifts';
import { reconcile, type ReconcileRow } from '../lib/reconcile';

const COLUMNS: TableColumnsType<ReconcileRow> = [
  { title: 'Операция', dataIndex: 'label' },
  { title: 'По счётчикам ФН', key: 'c', align: 'right', render: (_, r) => formatMoney(r.counted) },
  { title: 'По полученным чекам', key: 'r', align: 'right', render: (_, r) => formatMoney(r.received) },
  {
    title: 'Разница',
    key: 'd',
    align: 'right',
    render: (_, r) => (r.difference === null ? '—' : r.difference === 0 ? <Tag color="green">0,00 ₽</Tag> : <Tag color="red">{formatMoney(r.difference)}</Tag>),
  },
];

function Verdict({ ok, missing }: { ok: boolean; missing: number }) {
  return (
    <Alert
      type={ok ? 'success' : 'error'}
      showIcon
      role="status"
      style={{ marginBottom: 16 }}
      title={ok ? 'Сверка сходится: все чеки смены получены' : `Сверка не сходится: не хватает чеков — ${formatCount(missing)}`}
      description={ok ? undefined : 'Касса сформировала больше документов, чем получил ОФД. Проверьте связь кассы: непереданные документы она отправит сама.'}
    />
  );
}

function Requisites({ d }: { d: ZReport }) {
  return (
    <Card size="small" style={{ marginBottom: 16 }}>
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 2 }}
        items={[
          { key: 'fn', label: 'ФН', children: d.fn },
          { key: 'closed', label: 'Закрыта', children: formatLocalDateTime(d.closedAt) },
          { key: 'fd', label: 'ФД отчёта о закрытии', children: <Link to={`/receipts/${d.fn}/${d.closeFd}`}>{d.closeFd}</Link> },
          { key: 'docs', label: 'Документов за смену (по ФН)', children: formatCount(d.documentsQuantity) },
          { key: 'rq', label: 'Чеков по Z-отчёту', children: formatCount(d.receiptsQuantity) },
          { key: 'rr', label: 'Чеков получено', children: formatCount(d.received.receipts) },
          { key: 'nt', label: 'Непереданных документов', children: formatCount(d.notTransmittedCount) },
        ]}
      />
    </Card>
  );
}

function MissingFds({ fds }: { fds: readonly number[] }) {
  return (
    <Card size="small" title="Не получены документы" style={{ marginTop: 16 }}>
      <p>Номера ФД между открытием и закрытием смены, которых нет в ОФД:</p>
      <ul aria-label="Не полученные документы">
        {fds.map((fd) => (
          <li key={fd}>ФД {fd}</li>
        ))}
      </ul>
    </Card>
  );
}

export function ZReportView({ d }: { d: ZReport }) {
  const rows = reconcile(d);
  const missing = d.missingReceipts ?? 0;
  const ok = missing === 0 && d.missingFds.length === 0 && rows.every((r) => r.difference === null || r.difference === 0);
  return (
    <>
      <Verdict ok={ok} missing={missing} />
      <Requisites d={d} />
      <Table<ReconcileRow> aria-label="Сверка счётчиков ФН с полученными чеками" rowKey="key" dataSource={rows} pagination={false} scroll={{ x: 560 }} columns={COLUMNS} />
      {d.missingFds.length > 0 ? <MissingFds fds={d.missingFds} /> : null}
    </>
  );
}
