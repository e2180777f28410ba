/**
 * A receipt export as a background job: started here, its progress shown while the exports worker writes it, a download
 * link when ready, and the way to «Выгрузки» where it stays (and the e-mail that also brings it).
 */
import { CloudDownloadOutlined } from '@ant-design/icons';
import { Alert, Button, Progress, Space, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { errorText } from '../lib/api/errors';
import { EXPORT_STATUS, useCreateExport, useExportJob, type ExportRequest } from '../lib/api/exports';
import { downloadFile, formatBytes } from '../lib/download';
import { formatCount } from '../lib/format';

export function BackgroundExport({ organizationId, filters, label = 'Чеки в фоне', content = 'receipts' }: { organizationId: number | undefined; filters: ExportRequest['filters']; label?: string; content?: ExportRequest['content'] }) {
  const create = useCreateExport();
  const [jobId, setJobId] = useState<number>();
  const job = useExportJob(jobId);
  const [saveError, setSaveError] = useState<unknown>(null);
  const j = job.data;

  const run = (format: 'xlsx' | 'csv') => {
    if (organizationId === undefined) return;
    setSaveError(null);
    create.mutate({ organizationId, body: { format, content, filters, email: true } }, { onSuccess: (created) => setJobId(created.id) });
  };

  return (
    <div>
      <Space wrap>
        <Button icon={<CloudDownloadOutlined />} disabled={organizationId === undefined} loading={create.isPending} onClick={() => run('xlsx')}>
          {label}: Excel
        </Button>
        <Button disabled={organizationId === undefined} loading={create.isPending} onClick={() => run('csv')}>
          CSV
        </Button>
        <Link to="/exports">Все выгрузки</Link>
      </Space>
      {organizationId === undefined ? <Typography.Paragraph type="secondary" style={{ margin: '4px 0 0' }}>Выберите организацию в фильтре, чтобы выгрузить её чеки.</Typography.Paragraph> : null}
      {create.error ? <Alert style={{ marginTop: 8 }} type="warning" showIcon role="alert" title="Выгрузка не началась" description={errorText(create.error)} /> : null}
      {j ? (
        <div style={{ marginTop: 8, maxWidth: 480 }} aria-live="polite">
          <Typography.Text>
            {j.title} ({j.format}) — {EXPORT_STATUS[j.status]}
            {j.status === 'running' ? `: ${formatCount(j.progress.done)}${j.progress.total !== null ? ` из ${formatCount(j.progress.total)}` : ''} строк` : ''}
          </Typography.Text>
          <Progress percent={j.progress.percent ?? 0} status={j.status === 'failed' ? 'exception' : j.status === 'done' ? 'success' : 'active'} size="small" aria-label="Готовность выгрузки" />
          {j.status === 'done' && j.downloadUrl ? (
            <Button
              type="primary"
              size="small"
              onClick={() => downloadFile(j.downloadUrl!, j.fileName ?? `export.${j.format}`).catch(setSaveError)}
            >
              Скачать {j.fileName}{j.byteSize !== null ? ` (${formatBytes(j.byteSize)})` : ''}
            </Button>
          ) : null}
          {j.status === 'failed' ? <Alert type="error" showIcon title="Выгрузка не удалась" description={`${j.error ?? ''} Повторите; если не пройдёт — напишите в поддержку.`} /> : null}
          {j.status !== 'done' && j.status !== 'failed' ? <Typography.Paragraph type="secondary" style={{ margin: 0 }}>Можно уйти со страницы: файл будет в «Выгрузках» и придёт на почту.</Typography.Paragraph> : null}
        </div>
      ) : null}
      {saveError ? <Alert type="warning" showIcon title="Файл не скачан" description={errorText(saveError)} /> : null}
    </div>
  );
}
