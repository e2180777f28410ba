/**
 * «Банковские выписки» of the operator's area (issue 17): import a statement (1C or CSV) that pays invoices by the
 * number in the payment purpose, and the payments of earlier statements that named no known invoice.
 */
import { Card, Table, Typography } from 'antd';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { formatLocalDateTime, formatMoney } from '../../../lib/format';
import { useUnmatchedPayments, type UnmatchedPayment } from '../api/operator';
import { StatementImport } from '../components/StatementImport';

function UnmatchedTable({ items }: { items: readonly UnmatchedPayment[] }) {
  return (
    <Table<UnmatchedPayment>
      rowKey="id"
      size="small"
      dataSource={[...items]}
      pagination={items.length > 50 ? { pageSize: 50 } : false}
      scroll={{ x: 'max-content' }}
      aria-label="Нераспознанные платежи"
      columns={[
        { title: 'Платёжка', key: 'doc', render: (_, p) => `№ ${p.documentNumber || '—'} от ${formatLocalDateTime(p.paidOn)}` },
        { title: 'ИНН плательщика', key: 'inn', render: (_, p) => p.payerInn ?? '—' },
        { title: 'Сумма', key: 'amount', align: 'right', render: (_, p) => formatMoney(p.amount) },
        { title: 'Назначение платежа', key: 'purpose', render: (_, p) => <Typography.Text style={{ display: 'inline-block', maxWidth: 420, whiteSpace: 'normal' }}>{p.purpose}</Typography.Text> },
      ]}
    />
  );
}

export default function BankStatementsPage() {
  const unmatched = useUnmatchedPayments();
  return (
    <>
      <PageHeader title="Банковские выписки" />
      <Card size="small" title="Загрузка выписки" style={{ marginBottom: 16 }}>
        <StatementImport />
      </Card>
      <Card size="small" title="Нераспознанные платежи">
        <Typography.Paragraph type="secondary">
          Поступления, в назначении которых нет номера выставленного счёта: они не зачислены ни одной организации. Сопоставить платёж со
          счётом в кабинете пока нельзя: уточните у плательщика, за кого платёж, и зачислите сумму ручным пополнением баланса организации
          (API оператора: <Typography.Text code style={{ overflowWrap: 'anywhere' }}>POST /api/v1/organizations/&#123;id&#125;/operator-top-ups</Typography.Text>) либо верните платёж.
        </Typography.Paragraph>
        <QueryState
          query={unmatched}
          loadingLabel="Загружаем платежи…"
          isEmpty={(d) => d.items.length === 0}
          empty={<EmptyState title="Нераспознанных платежей нет" hint="Все загруженные поступления зачислены по счетам." />}
        >
          {(d) => <UnmatchedTable items={d.items} />}
        </QueryState>
      </Card>
    </>
  );
}
