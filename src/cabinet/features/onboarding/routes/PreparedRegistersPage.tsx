/**
 * Кассы к подключению (issue 16): registers added by serial and FN before their РНМ, with lifecycle badges; several at
 * once in a form, or many from an Excel file (the template, the upload, the error report by row and column).
 */
import { Alert, Button, Checkbox, Form, Input, Select, Space, Table, Tabs, Typography, Upload } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { ApiFailure, errorText } from '../../../lib/api/errors';
import { outletOptions, useAllOutlets } from '../../../lib/api/lookups';
import { formatInstant } from '../../../lib/format';
import { useAddPrepared, useImportRegisters, usePrepared, useSetStage, type Prepared } from '../api/onboarding';
import { OrganizationSelect, useChosenOrganization } from '../components/OrganizationSelect';
import { LifecycleBadge } from '../components/LifecycleBadge';
import { fileErrors } from '../lib/import-errors';

function PreparedTable({ organizationId }: { organizationId: number | undefined }) {
  const list = usePrepared(organizationId);
  const stage = useSetStage();
  return (
    <QueryState
      query={list}
      loadingLabel="Загружаем кассы…"
      isEmpty={(d) => d.items.length === 0}
      empty={<EmptyState title="Касс к подключению нет" hint="Добавьте кассу по заводскому номеру и номеру ФН или загрузите список из Excel." />}
    >
      {(d) => (
        <Table<Prepared>
          rowKey="id"
          dataSource={d.items}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          scroll={{ x: 800 }}
          columns={[
            { title: 'Заводской номер', dataIndex: 'serialNumber' },
            { title: 'ФН', dataIndex: 'fn' },
            { title: 'Статус', key: 'lifecycle', render: (_, r) => <LifecycleBadge r={r} /> },
            {
              title: 'РН',
              key: 'rn',
              render: (_, r) => (r.register ? <Link to={`/registers/${r.register.id}`}>{r.register.registrationNumber}</Link> : '—'),
            },
            { title: 'Модель / версия', key: 'model', render: (_, r) => r.register?.kktVersion ?? '—' },
            { title: 'Добавлена', key: 'created', render: (_, r) => formatInstant(r.createdAt) },
            {
              title: '',
              key: 'action',
              render: (_, r) =>
                r.lifecycle === 'added' ? (
                  <Button size="small" loading={stage.isPending} onClick={() => stage.mutate({ id: r.id, stage: 'awaiting_registration' })}>
                    Подал заявление в ФНС
                  </Button>
                ) : null,
            },
          ]}
        />
      )}
    </QueryState>
  );
}

interface AddValues {
  outletId?: number;
  registers: Array<{ serialNumber: string; fn: string; partnerCode?: string }>;
}

function AddForm({ organizationId }: { organizationId: number | undefined }) {
  const [form] = Form.useForm<AddValues>();
  const add = useAddPrepared();
  const outlets = useAllOutlets();
  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={{ registers: [{ serialNumber: '', fn: '' }] }}
      onFinish={(v) =>
        add.mutate(
          { organizationId: organizationId!, ...(v.outletId ? { outletId: v.outletId } : {}), registers: v.registers.map((r) => ({ ...r, partnerCode: r.partnerCode || undefined })) },
          { onSuccess: () => form.resetFields() },
        )
      }
    >
      <Form.Item label="Торговая точка" name="outletId">
        <Select allowClear placeholder="Без торговой точки" options={outletOptions(outlets.data?.items.filter((o) => o.organizationId === organizationId))} style={{ maxWidth: 420 }} />
      </Form.Item>
      <Form.List name="registers">
        {(fields, { add: more, remove }) => (
          <>
            {fields.map((f, i) => (
              <Space key={f.key} align="start" wrap>
                <Form.Item label={i === 0 ? 'Заводской номер ККТ' : undefined} name={[f.name, 'serialNumber']} rules={[{ required: true, pattern: /^\d{6,20}$/, message: '6–20 цифр' }]}>
                  <Input aria-label={`Заводской номер ККТ ${i + 1}`} inputMode="numeric" style={{ width: 220 }} />
                </Form.Item>
                <Form.Item label={i === 0 ? 'Номер ФН' : undefined} name={[f.name, 'fn']} rules={[{ required: true, pattern: /^\d{16}$/, message: '16 цифр' }]}>
                  <Input aria-label={`Номер ФН ${i + 1}`} inputMode="numeric" style={{ width: 220 }} />
                </Form.Item>
                <Form.Item label={i === 0 ? 'Код партнёра' : undefined} name={[f.name, 'partnerCode']}>
                  <Input aria-label={`Код партнёра ${i + 1}`} style={{ width: 160 }} />
                </Form.Item>
                {fields.length > 1 ? <Button onClick={() => remove(f.name)} aria-label={`Убрать строку ${i + 1}`}>✕</Button> : null}
              </Space>
            ))}
            <Form.Item>
              <Button onClick={() => more({ serialNumber: '', fn: '' })}>Ещё касса</Button>
            </Form.Item>
          </>
        )}
      </Form.List>
      {add.error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorText(add.error)} /> : null}
      {add.data ? (
        <Alert type="success" showIcon style={{ marginBottom: 16 }} title={`Добавлено касс: ${add.data.added.length}${add.data.existing.length ? `, уже были: ${add.data.existing.join(', ')}` : ''}`} />
      ) : null}
      <Button type="primary" htmlType="submit" loading={add.isPending} disabled={organizationId === undefined}>
        Добавить кассы
      </Button>
    </Form>
  );
}

/** What the upload came to: the counts, an error, and the file's errors by row and column. */
function ImportOutcome({ upload }: { upload: ReturnType<typeof useImportRegisters> }) {
  const failure = upload.error instanceof ApiFailure ? upload.error : undefined;
  const rowErrors = fileErrors(failure?.code === 'IMPORT_INVALID' ? failure.details : []);
  return (
    <>
      {upload.data ? (
        <Alert
          type={upload.data.rowsInvalid > 0 ? 'warning' : 'success'}
          showIcon
          title={`Строк в файле: ${upload.data.rowsTotal}; загружено касс: ${upload.data.rowsImported}; уже были: ${upload.data.rowsExisting}; с ошибками: ${upload.data.rowsInvalid}`}
        />
      ) : null}
      {failure && failure.code !== 'IMPORT_INVALID' ? <Alert type="error" showIcon role="alert" title={errorText(failure)} /> : null}
      {rowErrors.length > 0 || (upload.data?.errors.length ?? 0) > 0 ? (
        <>
          <Alert type="error" showIcon role="alert" title={failure ? `Файл не загружен: ошибок ${rowErrors.length}. Исправьте их или загрузите только правильные строки.` : 'Строки с ошибками не загружены:'} />
          <Table
            size="small"
            rowKey="key"
            aria-label="Ошибки в файле"
            dataSource={failure ? rowErrors : (upload.data?.errors ?? []).map((e, i) => ({ key: i, ...e }))}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            columns={[
              { title: 'Строка', dataIndex: 'row', width: 90 },
              { title: 'Столбец', dataIndex: 'column', width: 90 },
              { title: 'Ошибка', dataIndex: 'message' },
            ]}
          />
        </>
      ) : null}
    </>
  );
}

function ImportForm({ organizationId }: { organizationId: number | undefined }) {
  const [file, setFile] = useState<File | null>(null);
  const [validRowsOnly, setValidRowsOnly] = useState(false);
  const upload = useImportRegisters(organizationId);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph>
        Скачайте{' '}
        <a href="/api/v1/prepared-registers/import-template" download="registers-template.xlsx">
          шаблон Excel
        </a>
        , заполните по строке на кассу (заводской номер ККТ, номер ФН, код партнёра — по желанию) и загрузите. Пока в файле есть ошибки, ничего не загружается — или отметьте «загрузить только правильные строки».
      </Typography.Paragraph>
      <Upload
        accept=".xlsx"
        maxCount={1}
        beforeUpload={(f) => {
          setFile(f);
          upload.reset();
          return false;
        }}
        onRemove={() => setFile(null)}
      >
        <Button>Выбрать файл</Button>
      </Upload>
      <Checkbox checked={validRowsOnly} onChange={(e) => setValidRowsOnly(e.target.checked)}>
        Загрузить только правильные строки
      </Checkbox>
      <Button type="primary" disabled={file === null || organizationId === undefined} loading={upload.isPending} onClick={() => file && upload.mutate({ file, validRowsOnly })}>
        Загрузить
      </Button>
      <ImportOutcome upload={upload} />
    </Space>
  );
}

export default function PreparedRegistersPage() {
  const { organizationId } = useChosenOrganization();
  return (
    <>
      <PageHeader title="Кассы к подключению" extra={<OrganizationSelect />} />
      <Tabs
        items={[
          { key: 'list', label: 'Кассы', children: <PreparedTable organizationId={organizationId} /> },
          { key: 'add', label: 'Добавить', children: <AddForm organizationId={organizationId} /> },
          { key: 'import', label: 'Загрузить из Excel', children: <ImportForm organizationId={organizationId} /> },
        ]}
      />
    </>
  );
}
