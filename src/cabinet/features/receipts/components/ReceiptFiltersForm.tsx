/**
 * The filter panel of Чеки → Все чеки: every filter of GET /api/v1/documents. It edits a draft and applies it to the
 * URL on "Применить" (so a half-typed amount never fires a query); the URL is the source of truth.
 */
import { Button, Col, DatePicker, Form, Input, InputNumber, Row, Select, Space } from 'antd';
import type { FormItemProps } from 'antd';
import { useEffect, type ReactNode } from 'react';
import { outletOptions, registerOptions, useAllOutlets, useAllRegisters } from '../../../lib/api/lookups';
import { draftOf, filtersOf, type Draft } from '../lib/receipt-draft';
import { FLK_STATUSES, FNS_STATUSES, OPERATION_TYPES, PAYMENTS, TAXATION_TYPES, type ReceiptFilters } from '../lib/receipt-filters';

const options = (o: Record<string | number, string>, numeric: boolean) =>
  Object.entries(o).map(([value, label]) => ({ value: numeric ? Number(value) : value, label }));
const rubles = { pattern: /^\s*\d[\d\s]*([.,]\d{1,2})?\s*$/, message: 'Сумма в рублях, например 1 234,50' };
const COL = { xs: 24, sm: 12, lg: 8, xl: 6 };

interface Field {
  label: string;
  name: keyof Draft;
  rules?: FormItemProps['rules'];
  control: ReactNode;
}

/** The filters after the period and the lookups: plain choices, amounts, numbers and text. */
const FIELDS: readonly Field[] = [
  { label: 'Тип операции', name: 'operationType', control: <Select allowClear placeholder="Любой" options={options(OPERATION_TYPES, true)} /> },
  { label: 'Оплата', name: 'payment', control: <Select allowClear placeholder="Любая" options={options(PAYMENTS, false)} /> },
  { label: 'Система налогообложения', name: 'taxationType', control: <Select allowClear placeholder="Любая" options={options(TAXATION_TYPES, true)} /> },
  { label: 'Сумма от, ₽', name: 'amountMin', rules: [rubles], control: <Input inputMode="decimal" placeholder="0,00" /> },
  { label: 'Сумма до, ₽', name: 'amountMax', rules: [rubles], control: <Input inputMode="decimal" placeholder="0,00" /> },
  { label: 'ФП (фискальный признак)', name: 'fiscalSign', control: <InputNumber min={0} max={4294967295} precision={0} style={{ width: '100%' }} /> },
  { label: 'ФД (номер документа)', name: 'fd', control: <InputNumber min={1} max={4294967295} precision={0} style={{ width: '100%' }} /> },
  { label: 'Товар (название содержит)', name: 'item', rules: [{ min: 2, message: 'Не меньше 2 символов' }], control: <Input /> },
  { label: 'Код маркировки или GTIN', name: 'marking', control: <Input /> },
  { label: 'Статус в ФНС', name: 'fnsStatus', control: <Select allowClear placeholder="Любой" options={options(FNS_STATUSES, false)} /> },
  { label: 'ФЛК', name: 'flkStatus', control: <Select allowClear placeholder="Любой" options={options(FLK_STATUSES, false)} /> },
];

function FieldCol({ label, name, rules, children }: Omit<Field, 'control'> & { children: ReactNode }) {
  return (
    <Col {...COL}>
      <Form.Item label={label} name={name} rules={rules}>
        {children}
      </Form.Item>
    </Col>
  );
}

/** The period and the outlet and register lookups, which come first. */
function PlaceAndTimeFields() {
  const outlets = useAllOutlets();
  const registers = useAllRegisters();
  return (
    <>
      <Col xs={24} lg={12}>
        <Form.Item label="Период (время на кассе)" name="period">
          <DatePicker.RangePicker showTime={{ format: 'HH:mm' }} format="DD.MM.YYYY HH:mm" style={{ width: '100%' }} allowEmpty={[true, true]} />
        </Form.Item>
      </Col>
      <FieldCol label="Торговая точка" name="outletId">
        <Select allowClear placeholder="Все" options={outletOptions(outlets.data?.items)} loading={outlets.isPending} />
      </FieldCol>
      <FieldCol label="Касса" name="registerId">
        <Select allowClear showSearch={{ optionFilterProp: 'label' }} placeholder="Все" options={registerOptions(registers.data?.items)} loading={registers.isPending} />
      </FieldCol>
    </>
  );
}

export function ReceiptFiltersForm({ value, onApply }: { value: ReceiptFilters; onApply: (f: ReceiptFilters) => void }) {
  const [form] = Form.useForm<Draft>();
  useEffect(() => form.setFieldsValue(draftOf(value)), [form, value]);
  return (
    <Form form={form} layout="vertical" onFinish={(d) => onApply(filtersOf(d, value))} aria-label="Фильтры чеков">
      <Row gutter={12}>
        <PlaceAndTimeFields />
        {FIELDS.map(({ control, ...f }) => (
          <FieldCol key={f.name} {...f}>
            {control}
          </FieldCol>
        ))}
      </Row>
      <Space>
        <Button type="primary" htmlType="submit">
          Применить
        </Button>
        <Button onClick={() => onApply({ fn: value.fn, organizationId: value.organizationId, hasMarking: value.hasMarking })}>Сбросить</Button>
      </Space>
    </Form>
  );
}
