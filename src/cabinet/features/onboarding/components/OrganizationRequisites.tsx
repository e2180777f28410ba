/** Requisites of a new organization (issue 16): INN, name, KPP/OGRN, head, EDO, addresses, VAT and tax systems. */
import { Checkbox, Form, Input, Radio, Select, Space } from 'antd';
import { EDO_OPERATORS, TAX_SYSTEMS } from '../lib/labels';

function IdentityFields({ entrepreneur }: { entrepreneur: boolean }) {
  return (
    <>
      <Form.Item label="ИНН" name="inn" rules={[{ required: true, pattern: /^\d{10}(\d{2})?$/, message: 'ИНН — 10 цифр (организация) или 12 (ИП)' }]}>
        <Input inputMode="numeric" maxLength={12} />
      </Form.Item>
      <Form.Item label="Полное наименование" name="name" rules={[{ required: true, whitespace: true, message: 'Например: ООО «Ромашка» или ИП Иванов Иван Иванович' }]}>
        <Input />
      </Form.Item>
      <Space wrap align="start">
        {entrepreneur ? null : (
          <Form.Item label="КПП" name="kpp" rules={[{ required: true, pattern: /^\d{4}[0-9A-Z]{2}\d{3}$/, message: 'КПП — 9 знаков' }]}>
            <Input maxLength={9} style={{ width: 200 }} />
          </Form.Item>
        )}
        <Form.Item
          label={entrepreneur ? 'ОГРНИП' : 'ОГРН'}
          name="ogrn"
          rules={[{ required: true, pattern: entrepreneur ? /^\d{15}$/ : /^\d{13}$/, message: entrepreneur ? 'ОГРНИП — 15 цифр' : 'ОГРН — 13 цифр' }]}
        >
          <Input inputMode="numeric" maxLength={15} style={{ width: 240 }} />
        </Form.Item>
      </Space>
      <Space wrap align="start">
        <Form.Item label="ФИО руководителя" name="headName" rules={[{ required: true, whitespace: true, message: 'Укажите ФИО руководителя' }]}>
          <Input style={{ width: 340 }} />
        </Form.Item>
        <Form.Item label="Должность руководителя" name="headTitle" rules={[{ required: true, whitespace: true, message: 'Укажите должность' }]}>
          <Input style={{ width: 340 }} />
        </Form.Item>
      </Space>
    </>
  );
}

function AddressAndTaxFields({ samePostal }: { samePostal: boolean }) {
  return (
    <>
      <Form.Item label="Оператор ЭДО" name="edoOperator">
        <Select options={[...EDO_OPERATORS]} style={{ width: 340 }} />
      </Form.Item>
      <Form.Item label="Юридический адрес" name="legalAddress" rules={[{ required: true, whitespace: true, message: 'Укажите юридический адрес' }]}>
        <Input.TextArea autoSize={{ minRows: 1, maxRows: 3 }} />
      </Form.Item>
      <Form.Item name="samePostal" valuePropName="checked">
        <Checkbox>Почтовый адрес совпадает с юридическим</Checkbox>
      </Form.Item>
      {samePostal ? null : (
        <Form.Item label="Почтовый адрес" name="postalAddress" rules={[{ required: true, whitespace: true, message: 'Укажите почтовый адрес' }]}>
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 3 }} />
        </Form.Item>
      )}
      <Form.Item label="НДС" name="vatPayer">
        <Radio.Group options={[{ value: true, label: 'Плательщик НДС' }, { value: false, label: 'Без НДС' }]} />
      </Form.Item>
      <Form.Item label="Системы налогообложения" name="taxSystems" rules={[{ required: true, type: 'array', min: 1, message: 'Выберите хотя бы одну' }]}>
        <Checkbox.Group options={[...TAX_SYSTEMS]} />
      </Form.Item>
    </>
  );
}

export function OrganizationRequisites({ entrepreneur, samePostal }: { entrepreneur: boolean; samePostal: boolean }) {
  return (
    <>
      <IdentityFields entrepreneur={entrepreneur} />
      <AddressAndTaxFields samePostal={samePostal} />
    </>
  );
}
