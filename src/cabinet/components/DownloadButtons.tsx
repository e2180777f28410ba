/**
 * «Excel» and «CSV» buttons for a file the API streams now (a report, a receipt list): the bytes received show while it
 * comes, a refusal says what to do. Large receipt lists go to BackgroundExport instead.
 */
import { DownloadOutlined, FileExcelOutlined } from '@ant-design/icons';
import { Alert, Button, Space, Typography } from 'antd';
import { useRef, useState } from 'react';
import { errorText } from '../lib/api/errors';
import { downloadFile, formatBytes } from '../lib/download';

type Format = 'xlsx' | 'csv';

export function DownloadButtons({ urlOf, baseName, disabled }: { urlOf: (format: Format) => string; baseName: string; disabled?: boolean }) {
  const [busy, setBusy] = useState<Format | null>(null);
  const [bytes, setBytes] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);

  const start = async (format: Format) => {
    abort.current = new AbortController();
    setBusy(format);
    setBytes(0);
    setError(null);
    try {
      await downloadFile(urlOf(format), `${baseName}.${format}`, setBytes, abort.current.signal);
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div>
      <Space wrap>
        <Button aria-label="Скачать Excel" icon={<FileExcelOutlined />} loading={busy === 'xlsx'} disabled={disabled || (busy !== null && busy !== 'xlsx')} onClick={() => void start('xlsx')}>
          Excel
        </Button>
        <Button aria-label="Скачать CSV" icon={<DownloadOutlined />} loading={busy === 'csv'} disabled={disabled || (busy !== null && busy !== 'csv')} onClick={() => void start('csv')}>
          CSV
        </Button>
        {busy ? (
          <Typography.Text type="secondary" role="status">
            Скачивается{bytes > 0 ? `: ${formatBytes(bytes)}` : '…'}{' '}
            <Button type="link" size="small" onClick={() => abort.current?.abort()}>
              Отменить
            </Button>
          </Typography.Text>
        ) : null}
      </Space>
      {error ? <Alert style={{ marginTop: 8 }} type="warning" showIcon role="alert" title="Файл не скачан" description={errorText(error)} closable onClose={() => setError(null)} /> : null}
    </div>
  );
}
