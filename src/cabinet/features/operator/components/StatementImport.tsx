/**
 * Importing a bank statement: pick the file (its format is recognised by its first line and may be changed), send it
 * with progress, then what it did. A file the server cannot read is refused whole: nothing is credited from it.
 */
import { UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Progress, Radio, Space, Typography, Upload } from 'antd';
import { useState } from 'react';
import { useImportStatement, type StatementFormat } from '../api/operator';
import { CSV_LAYOUT, detectFormat, importErrorText } from '../lib/statements';
import { ImportResultView } from './ImportResultView';

const MAX_BYTES = 10 * 1024 * 1024;

function FilePicker({ file, onPick }: { file: File | undefined; onPick: (f: File) => void }) {
  return (
    <Upload accept=".txt,.csv,text/plain,text/csv" showUploadList={false} beforeUpload={(f) => (onPick(f), false)}>
      <Button icon={<UploadOutlined />}>{file ? 'Выбрать другой файл' : 'Выбрать файл выписки'}</Button>
    </Upload>
  );
}

export function StatementImport() {
  const [file, setFile] = useState<File>();
  const [format, setFormat] = useState<StatementFormat>('csv');
  const [percent, setPercent] = useState(0);
  const [tooBig, setTooBig] = useState(false);
  const importing = useImportStatement();

  const pick = (f: File) => {
    importing.reset();
    setPercent(0);
    setTooBig(f.size > MAX_BYTES);
    setFile(f);
    void f.slice(0, 64).text().then((head) => setFormat(detectFormat(head)));
  };
  const send = () => {
    if (!file || tooBig) return;
    setPercent(0);
    importing.mutate({ file, format, onProgress: setPercent });
  };
  // The bytes are sent: the server is reading the file and crediting the payments.
  const processing = importing.isPending && percent >= 100;

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        Файл выгрузки из банка в формате 1С («1CClientBankExchange», обычно в кодировке Windows-1251) или CSV с разделителем «;» и
        строкой заголовка: <Typography.Text code>{CSV_LAYOUT}</Typography.Text>. Платёж зачисляется организации, если в назначении указан номер её
        счёта (OFD-2026-000123); повторная загрузка той же выписки ничего не зачисляет дважды.
      </Typography.Paragraph>
      <Space wrap>
        <FilePicker file={file} onPick={pick} />
        {file ? <Typography.Text style={{ overflowWrap: 'anywhere' }}>{file.name}</Typography.Text> : null}
      </Space>
      {file ? (
        <Radio.Group value={format} onChange={(e) => setFormat(e.target.value as StatementFormat)} aria-label="Формат выписки">
          <Radio value="1c">1С (1CClientBankExchange)</Radio>
          <Radio value="csv">CSV</Radio>
        </Radio.Group>
      ) : null}
      {tooBig ? <Alert type="error" showIcon role="alert" title="Файл больше 10 МБ. Выгрузите выписку за период короче и загрузите её частями." /> : null}
      <Button type="primary" onClick={send} disabled={!file || tooBig} loading={importing.isPending}>
        Загрузить выписку
      </Button>
      {importing.isPending ? (
        <div role="status" aria-live="polite">
          <Progress percent={percent} status="active" />
          <Typography.Text type="secondary">{processing ? 'Файл получен, сопоставляем платежи со счетами…' : 'Отправляем файл…'}</Typography.Text>
        </div>
      ) : null}
      {importing.error ? <Alert type="error" showIcon role="alert" title={importErrorText(importing.error, format)} /> : null}
      {importing.data ? <ImportResultView result={importing.data} /> : null}
    </Space>
  );
}
