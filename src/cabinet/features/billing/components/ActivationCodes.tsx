/** Activation codes: buy several for a tariff's term (paid from the balance); the codes bought, free or applied. */
import { Alert, Button, Card, InputNumber, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { QueryState } from '../../../components/QueryState';
import { useAllRegisters } from '../../../lib/api/lookups';
import { formatInstant, formatMoney } from '../../../lib/format';
import { useActivationCodes, useBuyActivationCodes, useTariffs, type ActivationCode, type Balances } from '../api/billing';
import { billingErrorText } from '../lib/billing-errors';
import { newPurchaseKey } from '../lib/references';
import { ShortfallAlert } from './ShortfallAlert';

/** The purchase being put together: a tariff and a quantity; any change starts a new purchase (a new key). */
function useCodesPurchase(organizationId: number, balance: number) {
  const tariffs = useTariffs();
  const buy = useBuyActivationCodes(organizationId);
  const [tariffId, setTariffId] = useState<number | undefined>();
  const [quantity, setQuantity] = useState(1);
  const [key, setKey] = useState(() => newPurchaseKey('codes'));
  const tariff = tariffs.data?.items.find((t) => t.id === tariffId);
  const total = tariff ? tariff.priceToday * quantity : 0;
  const change = (f: () => void) => {
    f();
    buy.reset();
    setKey(newPurchaseKey('codes'));
  };
  return {
    tariffs: tariffs.data?.items ?? [],
    buy,
    tariffId,
    quantity,
    tariff,
    total,
    shortfall: Math.max(0, total - balance),
    chooseTariff: (v: number) => change(() => setTariffId(v)),
    chooseQuantity: (v: number) => change(() => setQuantity(v)),
    submit: () => tariff && buy.mutate({ tariffId: tariff.id, quantity, idempotencyKey: key }),
  };
}

function BuyCodes({ organizationId, balance }: { organizationId: number; balance: number }) {
  const p = useCodesPurchase(organizationId, balance);
  return (
    <>
      <Space wrap align="center" style={{ display: 'flex', marginBottom: 12 }}>
        <Select
          aria-label="Тариф кода"
          placeholder="Срок обслуживания"
          value={p.tariffId}
          onChange={p.chooseTariff}
          options={p.tariffs.map((t) => ({ value: t.id, label: `${t.name} — ${formatMoney(t.priceToday)}` }))}
          style={{ minWidth: 280 }}
        />
        <InputNumber aria-label="Количество кодов" min={1} max={1000} value={p.quantity} onChange={(v) => p.chooseQuantity(v ?? 1)} style={{ width: 90 }} />
        <Button type="primary" disabled={!p.tariff || p.shortfall > 0} loading={p.buy.isPending} onClick={p.submit}>
          Купить коды{p.tariff ? ` за ${formatMoney(p.total)}` : ''}
        </Button>
      </Space>
      {p.tariff && p.shortfall > 0 ? <ShortfallAlert organizationId={organizationId} shortfall={p.shortfall} style={{ marginBottom: 12 }} /> : null}
      {p.buy.error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 12 }} title="Коды не куплены" description={billingErrorText(p.buy.error)} /> : null}
      {p.buy.data ? <Alert type="success" showIcon role="status" style={{ marginBottom: 12 }} title={`Куплено кодов: ${p.buy.data.codes?.length ?? 0}`} /> : null}
    </>
  );
}

function codeColumns(rn: Map<number, string>): TableColumnsType<ActivationCode> {
  return [
    { title: 'Код', dataIndex: 'code', render: (v: string) => <Typography.Text copyable code>{v}</Typography.Text> },
    { title: 'Срок', dataIndex: 'months', render: (v: number) => `${v} мес.` },
    {
      title: 'Статус',
      key: 'status',
      render: (_, c) => (c.appliedRegisterId === null ? <Tag color="green">Свободен</Tag> : <Tag>Применён к РН {rn.get(c.appliedRegisterId) ?? c.appliedRegisterId}, {formatInstant(c.appliedAt)}</Tag>),
    },
    { title: 'Куплен', dataIndex: 'createdAt', render: (v: string) => formatInstant(v) },
  ];
}

export function ActivationCodes({ organizationId, balances }: { organizationId: number; balances: Balances }) {
  const codes = useActivationCodes(organizationId);
  const registers = useAllRegisters();
  const rn = new Map((registers.data?.items ?? []).map((r) => [r.id, r.registrationNumber]));
  return (
    <Card size="small" title="Коды активации" style={{ marginTop: 16 }}>
      <Typography.Paragraph type="secondary">Код оплачивает срок обслуживания одной кассы; применить его можно позже во вкладке «Тарифы касс» — например, передать филиалу.</Typography.Paragraph>
      <BuyCodes organizationId={organizationId} balance={balances.balance} />
      <QueryState query={codes} isEmpty={(d) => d.items.length === 0} empty={<Typography.Paragraph type="secondary">Купленных кодов пока нет.</Typography.Paragraph>}>
        {(d) => <Table<ActivationCode> rowKey="code" size="small" scroll={{ x: 560 }} pagination={{ pageSize: 20, hideOnSinglePage: true }} dataSource={d.items} columns={codeColumns(rn)} />}
      </QueryState>
    </Card>
  );
}
