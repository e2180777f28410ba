import { Alert, Button, Checkbox, Col, Form, Input, Row, Select } from 'antd';
import { errorText, ApiFailure } from '../../../lib/api/errors';
import type { ApplicationInput, Organization } from '../api/applications';
import { ModelInput } from './FormParts';

export interface FormValues {
  organizationId: number;
  kktModel: string;
  kktSerial: string;
  fnModel: string;
  fnSerial: string;
  taxAuthorityCode: string;
  regionCode: string;
  postalCode?: string;
  retailPlaceAddress: string;
  retailPlace: string;
  modes: string[];
  machineNumber?: string;
  lastName: string;
  firstName: string;
  middleName?: string;
}

export const MODES: { value: string; label: string }[] = [
  { value: 'internetSign', label: 'Расчёты только в интернете' },
  { value: 'exciseGoodsSign', label: 'Подакцизные товары' },
  { value: 'markedGoodsSign', label: 'Маркированные товары' },
  { value: 'automaticDeviceSign', label: 'Автоматическое устройство для расчётов' },
  { value: 'paymentAgentSign', label: 'Платёжный агент' },
  { value: 'bankPaymentAgentSign', label: 'Банковский платёжный агент' },
  { value: 'bsoSign', label: 'Бланки строгой отчётности' },
  { value: 'serviceSign', label: 'Только услуги' },
  { value: 'deliveryTradeSign', label: 'Развозная или разносная торговля' },
  { value: 'gamblingSign', label: 'Азартные игры' },
  { value: 'lotterySign', label: 'Лотереи' },
  { value: 'offlineMode', label: 'Автономный режим (без передачи данных)' },
];

/** The form's values → the API's application (registration). */
export function toApplication(v: FormValues): ApplicationInput {
  const modes = Object.fromEntries(v.modes.map((m) => [m, true]));
  return {
    kind: 'registration',
    kkt: { model: v.kktModel, serialNumber: v.kktSerial.trim() },
    fn: { model: v.fnModel, serialNumber: v.fnSerial.trim() },
    place: {
      taxAuthorityCode: v.taxAuthorityCode,
      regionCode: v.regionCode,
      retailPlaceAddress: v.retailPlaceAddress,
      retailPlace: v.retailPlace,
      ...(v.postalCode ? { postalCode: v.postalCode } : {}),
    },
    modes: { ...modes, ...(v.machineNumber ? { machineNumber: v.machineNumber } : {}) },
    signer: { role: '1', lastName: v.lastName, firstName: v.firstName, ...(v.middleName ? { middleName: v.middleName } : {}) },
  } as ApplicationInput;
}

/** API field paths (body.kkt.serialNumber) → the form's fields. */
const FIELD_OF: Record<string, keyof FormValues> = {
  'body.kkt.serialNumber': 'kktSerial',
  'body.kkt.model': 'kktModel',
  'body.fn.serialNumber': 'fnSerial',
  'body.fn.model': 'fnModel',
  'body.place.taxAuthorityCode': 'taxAuthorityCode',
  'body.place.regionCode': 'regionCode',
  'body.place.postalCode': 'postalCode',
  'body.place.retailPlaceAddress': 'retailPlaceAddress',
  'body.place.retailPlace': 'retailPlace',
  'body.modes.machineNumber': 'machineNumber',
  'body.modes.offlineMode': 'modes',
};

export function ApplicationForm({ organizations, busy, error, onSubmit }: { organizations: Organization[]; busy: boolean; error: unknown; onSubmit: (v: FormValues) => void }) {
  const [form] = Form.useForm<FormValues>();
  const fieldErrors = error instanceof ApiFailure ? error.details.filter((d) => FIELD_OF[d.path]) : [];
  if (fieldErrors.length > 0) form.setFields(fieldErrors.map((d) => ({ name: FIELD_OF[d.path]!, errors: [d.message] })));
  const req = (message: string) => [{ required: true, message }];
  return (
    <Form form={form} layout="vertical" requiredMark={false} initialValues={{ organizationId: organizations[0]?.id, modes: [] }} onFinish={onSubmit}>
      <Form.Item label="Организация" name="organizationId" rules={req('Выберите организацию')}>
        <Select options={organizations.map((o) => ({ value: o.id, label: `${o.name ?? 'Без названия'} (ИНН ${o.inn})` }))} />
      </Form.Item>
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
      <Form.Item label="Адрес установки (применения) ККТ" name="retailPlaceAddress" rules={req('Укажите адрес')}>
        <Input />
      </Form.Item>
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Form.Item label="Место установки" name="retailPlace" rules={req('Например, «Магазин», «Сайт shop.ru»')}>
            <Input />
          </Form.Item>
        </Col>
        <Col xs={8} md={4}>
          <Form.Item label="Регион" name="regionCode" rules={[{ required: true, pattern: /^\d{2}$/, message: '2 цифры' }]}>
            <Input inputMode="numeric" />
          </Form.Item>
        </Col>
        <Col xs={8} md={4}>
          <Form.Item label="Индекс" name="postalCode" rules={[{ pattern: /^\d{6}$/, message: '6 цифр' }]}>
            <Input inputMode="numeric" />
          </Form.Item>
        </Col>
        <Col xs={8} md={4}>
          <Form.Item label="Код ИФНС" name="taxAuthorityCode" rules={[{ required: true, pattern: /^\d{4}$/, message: '4 цифры' }]}>
            <Input inputMode="numeric" />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item label="Режимы применения" name="modes">
        <Checkbox.Group options={MODES} />
      </Form.Item>
      <Form.Item noStyle shouldUpdate>
        {() =>
          (form.getFieldValue('modes') as string[] | undefined)?.includes('automaticDeviceSign') ? (
            <Form.Item label="Номер автомата" name="machineNumber" rules={req('Укажите номер автомата')}>
              <Input />
            </Form.Item>
          ) : null
        }
      </Form.Item>
      <Row gutter={16}>
        <Col xs={24} md={8}>
          <Form.Item label="Фамилия подписанта" name="lastName" rules={req('Укажите фамилию')}>
            <Input />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          <Form.Item label="Имя" name="firstName" rules={req('Укажите имя')}>
            <Input />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          <Form.Item label="Отчество" name="middleName">
            <Input />
          </Form.Item>
        </Col>
      </Row>
      {error && fieldErrors.length === 0 ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorText(error)} /> : null}
      <Button type="primary" htmlType="submit" loading={busy}>
        Сформировать заявление
      </Button>
    </Form>
  );
}
