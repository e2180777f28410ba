/**
 * The filter panel of Чеки → Все чеки: every filter of GET /api/v1/documents. It edits a draft and applies it to the
 * URL on "Применить" (so a half-typed amount never fires a query); the URL is the source of truth.
 */
import { Button, Col, DatePicker, Form, Input, InputNumber, Row, Select, Space } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect } from 'react';
import { outletTitle, useAllOutlets, useAllRegisters } from '../../../lib/api/lookups';
import { kopecksToInput, parseRubles } from '../../../lib/format';
import { FLK_STATUSES, FNS_STATUSES, OPERATION_TYPES, PAYMENTS, TAXATION_TYPES, type ReceiptFilters } from '../lib/receipt-filters';

interface Draft {
  period?: [Dayjs | null, Dayjs | null] | null;
  outletId?: number;
  registerId?: number;
  operationType?: number;
  payment?: string;
  taxationType?: number;
  amountMin?: string;
  amountMax?: string;
  fiscalSign?: number | null;
  fd?: number | null;
  item?: string;
  marking?: string;
  fnsStatus?: string;
  flkStatus?: string;
}

const LOCAL = 'YYYY-MM-DDTHH:mm:ss';

export function draftOf(f: ReceiptFilters): Draft {
  return {
    period: f.dateFrom || f.dateTo ? [f.dateFrom ? dayjs(f.dateFrom) : null, f.dateTo ? dayjs(f.dateTo) : null] : null,
    outletId: f.outletId,
    registerId: f.registerId,
    operationType: f.operationType,
    payment: f.payment,
    taxationType: f.taxationType,
    amountMin: kopecksToInput(f.amountMin),
    amountMax: kopecksToInput(f.amountMax),
    fiscalSign: f.fiscalSign ?? null,
    fd: f.fd ?? null,
    item: f.item ?? '',
    marking: f.marking ?? '',
    fnsStatus: f.fnsStatus,
    flkStatus: f.flkStatus,
  };
}

/** The draft as filters; fields the form does not show (fn, organizationId, hasMarking) are kept from `base`. */
export function filtersOf(d: Draft, base: ReceiptFilters): ReceiptFilters {
  const text = (s?: string) => (s === undefined || s.trim() === '' ? undefined : s.trim());
  return {
    fn: base.fn,
    organizationId: base.organizationId,
    hasMarking: base.hasMarking,
    form: base.form,
    dateFrom: d.period?.[0]?.format(LOCAL),
    dateTo: d.period?.[1]?.format(LOCAL),
    outletId: d.outletId,
    registerId: d.registerId,
    operationType: d.operationType,
    payment: d.payment,
    taxationType: d.taxationType,
    amountMin: d.amountMin ? parseRubles(d.amountMin) : undefined,
    amountMax: d.amountMax ? parseRubles(d.amountMax) : undefined,
    fiscalSign: d.fiscalSign ?? undefined,
    fd: d.fd ?? undefined,
    item: text(d.item),
    marking: text(d.marking),
    fnsStatus: d.fnsStatus,
    flkStatus: d.flkStatus,
  };
}

const options = (o: Record<string | number, string>, numeric: boolean) =>
  Object.entries(o).map(([value, label]) => ({ value: numeric ? Number(value) : value, label }));
const rubles = { pattern: /^\s*\d[\d\s]*([.,]\d{1,2})?\s*$/, message: 'Сумма в рублях, например 1 234,50' };

export function ReceiptFiltersForm({ value, onApply }: { value: ReceiptFilters; onApply: (f: ReceiptFilters) => void }) {
  const [form] = Form.useForm<Draft>();
  const outlets = useAllOutlets();
  const registers = useAllRegisters();
  useEffect(() => form.setFieldsValue(draftOf(value)), [form, value]);

  const col = { xs: 24, sm: 12, lg: 8, xl: 6 };
  return (
    <Form form={form} layout="vertical" onFinish={(d) => onApply(filtersOf(d, value))} aria-label="Фильтры чеков">
      <Row gutter={12}>
        <Col xs={24} lg={12}>
          <Form.Item label="Период (время на кассе)" name="period">
            <DatePicker.RangePicker showTime={{ format: 'HH:mm' }} format="DD.MM.YYYY HH:mm" style={{ width: '100%' }} allowEmpty={[true, true]} />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item label="Торговая точка" name="outletId">
            <Select allowClear placeholder="Все" options={(outlets.data?.items ?? []).map((o) => ({ value: o.id, label: outletTitle(o) }))} loading={outlets.isPending} />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item label="Касса" name="registerId">
            <Select
              allowClear
              showSearch={{ optionFilterProp: 'label' }}
              placeholder="Все"
              options={(registers.data?.items ?? []).map((r) => ({ value: r.id, label: `РН ${r.registrationNumber}` }))}
              loading={registers.isPending}
            />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item label="Тип операции" name="operationType">
            <Select allowClear placeholder="Любой" options={options(OPERATION_TYPES, true)} />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item label="Оплата" name="payment">
            <Select allowClear placeholder="Любая" options={options(PAYMENTS, false)} />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item label="Система налогообложения" name="taxationType">
            <Select allowClear placeholder="Любая" options={options(TAXATION_TYPES, true)} />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item label="Сумма от, ₽" name="amountMin" rules={[rubles]}>
            <Input inputMode="decimal" placeholder="0,00" />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item label="Сумма до, ₽" name="amountMax" rules={[rubles]}>
            <Input inputMode="decimal" placeholder="0,00" />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item label="ФП (фискальный признак)" name="fiscalSign">
            <InputNumber min={0} max={4294967295} precision={0} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item label="ФД (номер документа)" name="fd">
            <InputNumber min={1} max={4294967295} precision={0} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item label="Товар (название содержит)" name="item" rules={[{ min: 2, message: 'Не меньше 2 символов' }]}>
            <Input />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item label="Код маркировки или GTIN" name="marking">
            <Input />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item label="Статус в ФНС" name="fnsStatus">
            <Select allowClear placeholder="Любой" options={options(FNS_STATUSES, false)} />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item label="ФЛК" name="flkStatus">
            <Select allowClear placeholder="Любой" options={options(FLK_STATUSES, false)} />
          </Form.Item>
        </Col>
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
