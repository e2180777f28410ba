/** One closed shift: the Z-report's counters reconciled with the receipts received, and the missing documents listed. */
import { Alert, Card, Descriptions, Table, Tag } from 'antd';
import { Link, useParams } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { formatCount, formatLocalDateTime, formatMoney } from '../../../lib/format';
import { useZReport } from '../api/shifts';
import { reconcile, type ReconcileRow } from '../lib/reconcile';

export default function ShiftPage() {
  const { fn = '', shiftNumber: n = '' } = useParams();
  const shiftNumber = Number(n);
  const z = useZReport(fn, shiftNumber);
  return (
    <>
      <PageHeader title={`Смена № ${shiftNumber}: Z-отчёт`}>
        <Link to="/shifts">← Закрытые смены</Link>
      </PageHeader>
      <QueryState query={z} loadingLabel="Загружаем Z-отчёт…">
        {(d) => {
          const rows = reconcile(d);
          const missing = d.missingReceipts ?? 0;
          const ok = missing === 0 && d.missingFds.length === 0 && rows.every((r) => r.difference === null || r.difference === 0);
          return (
            <>
              <Alert
                type={ok ? 'success' : 'error'}
                showIcon
                role="status"
                style={{ marginBottom: 16 }}
                title={ok ? 'Сверка сходится: все чеки смены получены' : `Сверка не сходится: не хватает чеков — ${formatCount(missing)}`}
                description={ok ? undefined : 'Касса сформировала больше документов, чем получил ОФД. Проверьте связь кассы: непереданные документы она отправит сама.'}
              />
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
              <Table<ReconcileRow>
                aria-label="Сверка счётчиков ФН с полученными чеками"
                rowKey="key"
                dataSource={rows}
                pagination={false}
                scroll={{ x: 560 }}
                columns={[
                  { title: 'Операция', dataIndex: 'label' },
                  { title: 'По счётчикам ФН', key: 'c', align: 'right', render: (_, r) => formatMoney(r.counted) },
                  { title: 'По полученным чекам', key: 'r', align: 'right', render: (_, r) => formatMoney(r.received) },
                  {
                    title: 'Разница',
                    key: 'd',
                    align: 'right',
                    render: (_, r) => (r.difference === null ? '—' : r.difference === 0 ? <Tag color="green">0,00 ₽</Tag> : <Tag color="red">{formatMoney(r.difference)}</Tag>),
                  },
                ]}
              />
              {d.missingFds.length > 0 ? (
                <Card size="small" title="Не получены документы" style={{ marginTop: 16 }}>
                  <p>Номера ФД между открытием и закрытием смены, которых нет в ОФД:</p>
                  <ul aria-label="Не полученные документы">
                    {d.missingFds.map((fd) => (
                      <li key={fd}>ФД {fd}</li>
                    ))}
                  </ul>
                </Card>
              ) : null}
            </>
          );
        }}
      </QueryState>
    </>
  );
}
