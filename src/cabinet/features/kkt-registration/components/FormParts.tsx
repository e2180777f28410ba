/** Form parts the re-registration and deregistration wizards share: a fiscal document's details, the signer, models. */
import { AutoComplete, Checkbox, Col, Form, Input, InputNumber, Row } from 'antd';
import type { ColProps, FormItemProps } from 'antd';
import type { NamePath } from 'antd/es/form/interface';
import type { ReactNode } from 'react';
import { useKktModels } from '../api/applications';

const req = (message: string) => [{ required: true, message }];

/** Date and time, ФД number and ФП of a fiscal document, as printed on it; `name` is the form path of the report. */
export function FiscalReportFields({ name, title }: { name: string; title: string }) {
  return (
    <fieldset style={{ border: '1px solid #f0f0f0', padding: '8px 12px 0', marginBottom: 16, borderRadius: 6 }}>
      <legend style={{ fontSize: 14, width: 'auto', margin: 0, padding: '0 4px', border: 0 }}>{title}</legend>
      <Row gutter={16}>
        <Col xs={24} md={10}>
          <Form.Item label={`${title}: дата и время`} name={[name, 'dateTime']} rules={req('Укажите дату и время из отчёта')}>
            <Input type="datetime-local" step={1} />
          </Form.Item>
        </Col>
        <Col xs={12} md={7}>
          <Form.Item label={`${title}: номер ФД`} name={[name, 'fiscalDocumentNumber']} rules={req('Номер ФД из отчёта')}>
            <InputNumber min={1} style={{ width: '100%' }} inputMode="numeric" />
          </Form.Item>
        </Col>
        <Col xs={12} md={7}>
          <Form.Item label={`${title}: ФП`} name={[name, 'fiscalSign']} rules={[{ required: true, pattern: /^\d{1,10}$/, message: 'ФП: до 10 цифр' }]}>
            <Input inputMode="numeric" />
          </Form.Item>
        </Col>
      </Row>
    </fieldset>
  );
}

/** A field's form path: under `prefix` when the form nests it (`['signer', 'lastName']`), else flat. */
const at = (prefix: string | null | undefined, field: string) => (prefix === null || prefix === undefined ? field : [prefix, field]);

/** One cell of a FieldGrid: its column span, the form item and its control. */
export interface GridField {
  span: ColProps;
  label: string;
  name: NamePath;
  rules?: FormItemProps['rules'];
  control: ReactNode;
}

/** Form items laid out in a row of columns. */
export function FieldGrid({ fields }: { fields: readonly GridField[] }) {
  return (
    <Row gutter={16}>
      {fields.map((f) => (
        <Col key={f.label} {...f.span}>
          <Form.Item label={f.label} name={f.name} rules={f.rules}>
            {f.control}
          </Form.Item>
        </Col>
      ))}
    </Row>
  );
}

const THIRD = { xs: 24, md: 8 };
const HALF = { xs: 24, md: 12 };
const CODE = { xs: 8, md: 4 };

/** The signer's name; `prefix` is the form path it sits under (null: flat, as the registration form keeps it). */
export function SignerFields({ prefix = 'signer' }: { prefix?: string | null }) {
  return (
    <FieldGrid
      fields={[
        { span: THIRD, label: 'Фамилия подписанта', name: at(prefix, 'lastName'), rules: req('Укажите фамилию'), control: <Input /> },
        { span: THIRD, label: 'Имя', name: at(prefix, 'firstName'), rules: req('Укажите имя'), control: <Input /> },
        { span: THIRD, label: 'Отчество', name: at(prefix, 'middleName'), control: <Input /> },
      ]}
    />
  );
}

/** The place of installation, the region, the postal index and the tax office; `prefix` as in SignerFields. */
export function PlaceCodeFields({ prefix, retailPlaceMessage }: { prefix?: string | undefined; retailPlaceMessage: string }) {
  return (
    <FieldGrid
      fields={[
        { span: HALF, label: 'Место установки', name: at(prefix, 'retailPlace'), rules: req(retailPlaceMessage), control: <Input /> },
        { span: CODE, label: 'Регион', name: at(prefix, 'regionCode'), rules: [{ required: true, pattern: /^\d{2}$/, message: '2 цифры' }], control: <Input inputMode="numeric" /> },
        { span: CODE, label: 'Индекс', name: at(prefix, 'postalCode'), rules: [{ pattern: /^\d{6}$/, message: '6 цифр' }], control: <Input inputMode="numeric" /> },
        { span: CODE, label: 'Код ИФНС', name: at(prefix, 'taxAuthorityCode'), rules: [{ required: true, pattern: /^\d{4}$/, message: '4 цифры' }], control: <Input inputMode="numeric" /> },
      ]}
    />
  );
}

/** The modes of use, and the machine number once "automatic device" is ticked. */
export function ModesFields({ modes }: { modes: readonly { value: string; label: string }[] }) {
  return (
    <>
      <Form.Item label="Режимы применения" name="modes">
        <Checkbox.Group options={[...modes]} />
      </Form.Item>
      <Form.Item noStyle shouldUpdate>
        {({ getFieldValue }) =>
          (getFieldValue('modes') as string[] | undefined)?.includes('automaticDeviceSign') ? (
            <Form.Item label="Номер автомата" name="machineNumber" rules={req('Укажите номер автомата')}>
              <Input />
            </Form.Item>
          ) : null
        }
      </Form.Item>
    </>
  );
}

/** A model input that suggests the models we know (the FNS's register is larger: any name may be typed). */
export function ModelInput({ kind, ...props }: { kind: 'kkt' | 'fn'; id?: string; value?: string; onChange?: (v: string) => void }) {
  const models = useKktModels();
  const options = kind === 'kkt' ? (models.data?.kkt ?? []).map((m) => ({ value: m.name })) : (models.data?.fn ?? []).map((f) => ({ value: f.family }));
  return (
    <AutoComplete
      {...props}
      options={options}
      filterOption={(input, o) => String(o?.value ?? '').toLowerCase().includes(input.toLowerCase())}
    />
  );
}
