/**
 * «Документы» (issue 17): invoices for bank transfer and the monthly acts of services rendered, newest first, each
 * as PDF; a new invoice from here too.
 */
import { DownloadOutlined } from '@ant-design/icons';
import { Button, Card, Grid, List, Table, Tag } from 'antd';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, LoadingState, QueryState } from '../../../components/QueryState';
import { formatLocalDateTime, formatMoney } from '../../../lib/format';
import { useBillingDocuments, type BillingDocument } from '../api/billing';
import { BillingNav } from '../components/BillingNav';
import { NoOrganization, OrganizationPicker, useBillingOrganization } from '../components/OrganizationPicker';
import { TopUpPanel } from '../components/TopUpPanel';
import { documentStatus } from '../lib/labels';

const docTitle = (r: BillingDocument) => `${r.kind === 'invoice' ? 'Счёт' : 'Акт'} № ${r.number}`;

function StatusTag({ r }: { r: BillingDocument }) {
  const s = documentStatus(r.kind, r.status);
  return <Tag color={s.color}>{s.text}</Tag>;
}

function PdfLink({ r }: { r: BillingDocument }) {
  return (
    <a href={r.pdfUrl} download aria-label={`Скачать ${r.kind === 'invoice' ? 'счёт' : 'акт'} № ${r.number} (PDF)`}>
      <Button size="small" icon={<DownloadOutlined />}>
        PDF
      </Button>
    </a>
  );
}

export default function DocumentsPage() {
  const { organizationId, loading, none } = useBillingOrganization();
  const phone = !Grid.useBreakpoint().sm;
  const documents = useBillingDocuments(organizationId);
  return (
    <>
      <PageHeader title="Документы" extra={<OrganizationPicker />} />
      <BillingNav />
      {loading ? <LoadingState /> : null}
      {none ? <NoOrganization /> : null}
      {organizationId !== undefined ? (
        <>
          <Card size="small" title="Счета и акты" style={{ marginBottom: 16 }}>
            <QueryState
              query={documents}
              isEmpty={(d) => d.items.length === 0}
              empty={<EmptyState title="Документов пока нет" hint="Выставьте счёт ниже; акт оказанных услуг появляется за каждый месяц, в котором были списания." />}
            >
              {(d) =>
                phone ? (
                  <List
                    dataSource={d.items}
                    renderItem={(r) => (
                      <List.Item actions={[<PdfLink key="pdf" r={r} />]}>
                        <List.Item.Meta
                          title={docTitle(r)}
                          description={
                            <>
                              {formatLocalDateTime(r.date)} · {formatMoney(r.amount)} <StatusTag r={r} />
                            </>
                          }
                        />
                      </List.Item>
                    )}
                  />
                ) : (
                  <Table<BillingDocument>
                    rowKey={(r) => `${r.kind}:${r.number}`}
                    size="small"
                    pagination={{ pageSize: 50, hideOnSinglePage: true }}
                    dataSource={d.items}
                    columns={[
                      { title: 'Документ', key: 'doc', render: (_, r) => docTitle(r) },
                      { title: 'Дата', dataIndex: 'date', render: (v: string) => formatLocalDateTime(v) },
                      { title: 'Сумма', dataIndex: 'amount', align: 'right', render: (v: number) => formatMoney(v) },
                      { title: 'Статус', key: 'status', render: (_, r) => <StatusTag r={r} /> },
                      { title: '', key: 'pdf', render: (_, r) => <PdfLink r={r} /> },
                    ]}
                  />
                )
              }
            </QueryState>
          </Card>
          <TopUpPanel organizationId={organizationId} />
        </>
      ) : null}
    </>
  );
}
