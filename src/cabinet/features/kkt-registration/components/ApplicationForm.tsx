/** The registration application's form: organization, register and FN, the place, modes of use and the signer. */
import { Alert, Button, Form, Input, Select } from 'antd';
import { errorText, ApiFailure } from '../../../lib/api/errors';
import type { Organization } from '../api/applications';
import { FIELD_OF, type FormValues } from '../lib/application-values';
import { MODES } from '../lib/modes';
import { FieldGrid, ModelInput, ModesFields, PlaceCodeFields, SignerFields, type GridField } from './FormParts';

const req = (message: string) => [{ required: true, message }];

const HALF = { xs: 24, md: 12 };

const DEVICE_FIELDS: readonly GridField[] = [
  { span: HALF, label: 'Модель ККТ', name: 'kktModel', rules: req('Укажите модель ККТ из реестра'), control: <ModelInput kind="kkt" /> },
  { span: HALF, label: 'Заводской номер ККТ', name: 'kktSerial', rules: req('Укажите заводской номер ККТ'), control: <Input /> },
  { span: HALF, label: 'Модель ФН', name: 'fnModel', rules: req('Укажите модель фискального накопителя'), control: <ModelInput kind="fn" /> },
  { span: HALF, label: 'Заводской номер ФН', name: 'fnSerial', rules: [{ required: true, pattern: /^\d{16}$/, message: '16 цифр' }], control: <Input inputMode="numeric" /> },
];

export function ApplicationForm({ organizations, busy, error, onSubmit }: { organizations: Organization[]; busy: boolean; error: unknown; onSubmit: (v: FormValues) => void }) {
  const [form] = Form.useForm<FormValues>();
  const fieldErrors = error instanceof ApiFailure ? error.details.filter((d) => FIELD_OF[d.path]) : [];
  if (fieldErrors.length > 0) form.setFields(fieldErrors.map((d) => ({ name: FIELD_OF[d.path]!, errors: [d.message] })));
  return (
    <Form form={form} layout="vertical" requiredMark={false} initialValues={{ organizationId: organizations[0]?.id, modes: [] }} onFinish={onSubmit}>
      <Form.Item label="Организация" name="organizationId" rules={req('Выберите организацию')}>
        <Select options={organizations.map((o) => ({ value: o.id, label: `${o.name ?? 'Без названия'} (ИНН ${o.inn})` }))} />
      </Form.Item>
      <FieldGrid fields={DEVICE_FIELDS} />
      <Form.Item label="Адрес установки (применения) ККТ" name="retailPlaceAddress" rules={req('Укажите адрес')}>
        <Input />
      </Form.Item>
      <PlaceCodeFields retailPlaceMessage="Например, «Магазин», «Сайт shop.ru»" />
      <ModesFields modes={MODES} />
      <SignerFields prefix={null} />
      {error && fieldErrors.length === 0 ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorText(error)} /> : null}
      <Button type="primary" htmlType="submit" loading={busy}>
        Сформировать заявление
      </Button>
    </Form>
  );
}
