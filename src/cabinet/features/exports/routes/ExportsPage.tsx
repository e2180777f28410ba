/**
 * Выгрузки: the organization's export files — asked for by hand (receipts, a period's receipts) or made by the
 * schedules — with their progress while the exports worker writes them, the e-mail's fate and a download; and the
 * schedules themselves.
 */
import { Alert, Button, Progress, Select, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { errorText } from '../../../lib/api/errors';
import { useAllOrganizations } from '../../../lib/api/lookups';
import { EXPORT_CONTENT, EXPORT_STATUS, useExportList, type ExportJob } from '../../../lib/api/exports';
import { downloadFile, formatBytes } from '../../../lib/download';
import { formatCount, formatInstant } from '../../../lib/format';
import { useUrlFilters } from '../../../lib/url-filters';
import { SettingsCard } from '../components/SettingsCard';
import { EMAIL_STATUS } from '../lib/labels';

const STATUS_COLOR: Record<ExportJob['status'], string> = { queued: 'default', running: 'processing', done: 'success', failed: 'error', expired: 'default' };
const SPEC = { organizationId: 'int' } as const;

function DownloadLink({ job }: { job: ExportJob }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (job.status !== 'done' || !job.downloadUrl) return null;
  return (
    <>
      <Button
        size="small"
        type="primary"
        loading={busy}
        onClick={() => {
          setBusy(true);
          setError(null);
          downloadFile(job.downloadUrl!, job.fileName ?? `export-${job.id}.${job.format}`).catch(setError).finally(() => setBusy(false));
        }}
      >
        Скачать
      </Button>
      {error ? <Typography.Text type="danger"> {errorText(error)}</Typography.Text> : null}
    </>
  );
}

export default function ExportsPage() {
  const [filters, setFilters] = useUrlFilters(SPEC);
  const orgs = useAllOrganizations();
  const items = orgs.data?.items ?? [];
  const organizationId = filters.organizationId ?? items[0]?.id;
  const jobs = useExportList(organizationId);

  return (
    <>
      <PageHeader
        title="Выгрузки"
        extra={
          items.length > 1 ? (
            <Select aria-label="Организация" style={{ minWidth: 240 }} value={organizationId} options={items.map((o) => ({ value: o.id, label: o.name ?? `ИНН ${o.inn}` }))} onChange={(v: number) => setFilters({ organizationId: v })} />
          ) : null
        }
      />
      {orgs.isPending ? null : organizationId === undefined ? (
        <EmptyState title="Нет организаций" hint="Выгрузки появятся, когда вас добавят в организацию." />
      ) : (
        <>
          <SettingsCard organizationId={organizationId} />
          <QueryState
            query={jobs}
            isEmpty={(d) => d.items.length === 0}
            empty={<EmptyState title="Выгрузок ещё нет" hint={<>Выгрузите чеки из раздела <Link to="/receipts">Чеки</Link> или <Link to="/analytics">Аналитика</Link>, либо настройте автоматическую выгрузку выше.</>} />}
          >
            {(d) => (
              <Table<ExportJob>
                size="small"
                rowKey="id"
                dataSource={d.items}
                scroll={{ x: 'max-content' }}
                pagination={d.items.length > 20 ? { pageSize: 20 } : false}
                columns={[
                  { title: 'Создана', key: 'c', render: (_, j) => formatInstant(j.createdAt) },
                  { title: 'Выгрузка', key: 't', render: (_, j) => <>{j.title}<div style={{ fontSize: 12, color: 'rgba(0,0,0,0.55)' }}>{j.title === EXPORT_CONTENT[j.content] ? '' : EXPORT_CONTENT[j.content]}{j.settingId !== null ? ' · по расписанию' : ' · вручную'}</div></> },
                  { title: 'Формат', dataIndex: 'format' },
                  {
                    title: 'Готовность',
                    key: 's',
                    render: (_, j) => (
                      <div style={{ minWidth: 160 }}>
                        <Tag color={STATUS_COLOR[j.status]}>{EXPORT_STATUS[j.status]}</Tag>
                        {j.status === 'running' || j.status === 'queued' ? <Progress size="small" percent={j.progress.percent ?? 0} status="active" aria-label={`Готовность ${j.title}`} /> : null}
                        {j.status === 'running' ? <div style={{ fontSize: 12 }}>{formatCount(j.progress.done)}{j.progress.total !== null ? ` из ${formatCount(j.progress.total)}` : ''} строк</div> : null}
                        {j.status === 'failed' ? <Typography.Text type="danger">{j.error}</Typography.Text> : null}
                      </div>
                    ),
                  },
                  { title: 'Размер', key: 'b', align: 'right', render: (_, j) => (j.byteSize !== null ? formatBytes(j.byteSize) : '—') },
                  { title: 'Почта', key: 'e', render: (_, j) => EMAIL_STATUS[j.emailStatus] },
                  { title: '', key: 'd', render: (_, j) => <DownloadLink job={j} /> },
                ]}
              />
            )}
          </QueryState>
          {jobs.error ? <Alert type="info" title="Список выгрузок доступен ролям с правом выгрузки отчётов." /> : null}
        </>
      )}
    </>
  );
}
