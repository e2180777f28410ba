/** The table of export files: when, what, format, progress while the worker writes it, size, the e-mail and a download. */
import { Button, Progress, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import { errorText } from '../../../lib/api/errors';
import { EXPORT_CONTENT, EXPORT_STATUS, type ExportJob } from '../../../lib/api/exports';
import { downloadFile, formatBytes } from '../../../lib/download';
import { formatCount, formatInstant } from '../../../lib/format';
import { EMAIL_STATUS } from '../lib/labels';

const STATUS_COLOR: Record<ExportJob['status'], string> = { queued: 'default', running: 'processing', done: 'success', failed: 'error', expired: 'default' };

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

function Readiness({ j }: { j: ExportJob }) {
  return (
    <div style={{ minWidth: 160 }}>
      <Tag color={STATUS_COLOR[j.status]}>{EXPORT_STATUS[j.status]}</Tag>
      {j.status === 'running' || j.status === 'queued' ? <Progress size="small" percent={j.progress.percent ?? 0} status="active" aria-label={`Готовность ${j.title}`} /> : null}
      {j.status === 'running' ? <div style={{ fontSize: 12 }}>{formatCount(j.progress.done)}{j.progress.total !== null ? ` из ${formatCount(j.progress.total)}` : ''} строк</div> : null}
      {j.status === 'failed' ? <Typography.Text type="danger">{j.error}</Typography.Text> : null}
    </div>
  );
}

const COLUMNS: TableColumnsType<ExportJob> = [
  { title: 'Создана', key: 'c', render: (_, j) => formatInstant(j.createdAt) },
  { title: 'Выгрузка', key: 't', render: (_, j) => <>{j.title}<div style={{ fontSize: 12, color: 'rgba(0,0,0,0.55)' }}>{j.title === EXPORT_CONTENT[j.content] ? '' : EXPORT_CONTENT[j.content]}{j.settingId !== null ? ' · по расписанию' : ' · вручную'}</div></> },
  { title: 'Формат', dataIndex: 'format' },
  { title: 'Готовность', key: 's', render: (_, j) => <Readiness j={j} /> },
  { title: 'Размер', key: 'b', align: 'right', render: (_, j) => (j.byteSize !== null ? formatBytes(j.byteSize) : '—') },
  { title: 'Почта', key: 'e', render: (_, j) => EMAIL_STATUS[j.emailStatus] },
  { title: '', key: 'd', render: (_, j) => <DownloadLink job={j} /> },
];

export function ExportJobsTable({ rows }: { rows: ExportJob[] }) {
  return <Table<ExportJob> size="small" rowKey="id" dataSource={rows} scroll={{ x: 'max-content' }} pagination={rows.length > 20 ? { pageSize: 20 } : false} columns={COLUMNS} />;
}
