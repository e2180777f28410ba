/** The registration application's form: organization, register and FN, the place, modes of use and the signer. */
import { Alert, Button, Col, Form, Input, Row, Select } from 'antd';
import { errorText, ApiFailure } from '../../../lib/api/errors';
import type { Organization } from '../api/applications';
import { FIELD_OF, type FormValues } from '../lib/application-values';
import { MODES } from '../lib/modes';
import { ModelInput, ModesFields, PlaceCodeFields, SignerFields } from './FormParts';

const req = (message: string) => [{ required: true, message }];

function DeviceFields() {
  return (
    <Row gutter={16}>
      <Col xs={24} md={12}>
        <Form.Item label="Модель ККТ" name="kktModel" rules={req('Укажите модель ККТ из реестра')}>
          <ModelInput kind="kkt" />
        </Form.Item>
      </Col>
      <Col xs={24} md={12}>
        <Form.Item label="Заводской номер ККТ" name="kktSerial" rules={req('Укажите заводской номер ККТ')}>
          <Input />
        </Form.Item>
      </Col>
      <Col xs={24} md={12}>
        <Form.Item label="Модель ФН" name="fnModel" rules={req('Укажите модель фискального накопителя')}>
          <ModelInput kind="fn" />
        </Form.Item>
      </Col>
      <Col xs={24} md={12}>
        <Form.Item label="Заводской номер ФН" name="fnSerial" rules={[{ required: true, pattern: /^\d{16}$/, message: '16 цифр' }]}>
          <Input inputMode="numeric" />
        </Form.Item>
      </Col>
    </Row>
  );
}

export function ApplicationForm({ organizations, busy, error, onSubmit }: { organizations: Organization[]; busy: boolean; error: unknown; onSubmit: (v: FormValues) => void }) {
  const [form] = Form.useForm<FormValues>();
  const fieldErrors = error instanceof ApiFailure ? error.details.filter((d) => FIELD_OF[d.path]) : [];
  if (fieldErrors.length > 0) form.setFields(fieldErrors.map((d) => ({ name: FIELD_OF[d.path]!, errors: [d.message] })));
  return (
    <Form form={form} layout="vertical" requiredMark={false} initialValues={{ organizationId: organizations[0]?.id, modes: [] }} onFinish={onSubmit}>
      <Form.Item label="Организация" name="organizationId" rules={req('Выберите организацию')}>
        <Select options={organizations.map((o) => ({ value: o.id, label: `${o.name ?? 'Без названия'} (ИНН ${o.inn})` }))} />
      </Form.Item>
      <DeviceFields />
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
