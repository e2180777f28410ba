/** Activation codes: buy several for a tariff's term (paid from the balance); the codes bought, free or applied. */
import { Alert, Button, Card, InputNumber, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { QueryState } from '../../../components/QueryState';
import { useAllRegisters } from '../../../lib/api/lookups';
import { formatInstant, formatMoney } from '../../../lib/format';
import { useActivationCodes, useBuyActivationCodes, useTariffs, type ActivationCode, type Balances } from '../api/billing';
import { billingErrorText } from '../lib/billing-errors';
import { newPurchaseKey } from '../lib/references';
import { topUpFor } from '../lib/tariff-plan';

export function ActivationCodes({ organizationId, balances }: { organizationId: number; balances: Balances }) {
  const tariffs = useTariffs();
  const codes = useActivationCodes(organizationId);
  const registers = useAllRegisters();
  const buy = useBuyActivationCodes(organizationId);
  const [tariffId, setTariffId] = useState<number | undefined>();
  const [quantity, setQuantity] = useState(1);
  const [key, setKey] = useState(() => newPurchaseKey('codes'));
  const tariff = tariffs.data?.items.find((t) => t.id === tariffId);
  const total = tariff ? tariff.priceToday * quantity : 0;
  const shortfall = Math.max(0, total - balances.balance);
  const rn = new Map((registers.data?.items ?? []).map((r) => [r.id, r.registrationNumber]));
  const change = (f: () => void) => {
    f();
    buy.reset();
    setKey(newPurchaseKey('codes'));
  };

  return (
    <Card size="small" title="Коды активации" style={{ marginTop: 16 }}>
      <Typography.Paragraph type="secondary">Код оплачивает срок обслуживания одной кассы; применить его можно позже во вкладке «Тарифы касс» — например, передать филиалу.</Typography.Paragraph>
      <Space wrap align="center" style={{ display: 'flex', marginBottom: 12 }}>
        <Select
          aria-label="Тариф кода"
          placeholder="Срок обслуживания"
          value={tariffId}
          onChange={(v: number) => change(() => setTariffId(v))}
          options={(tariffs.data?.items ?? []).map((t) => ({ value: t.id, label: `${t.name} — ${formatMoney(t.priceToday)}` }))}
          style={{ minWidth: 280 }}
        />
        <InputNumber aria-label="Количество кодов" min={1} max={1000} value={quantity} onChange={(v) => change(() => setQuantity(v ?? 1))} style={{ width: 90 }} />
        <Button type="primary" disabled={!tariff || shortfall > 0} loading={buy.isPending} onClick={() => tariff && buy.mutate({ tariffId: tariff.id, quantity, idempotencyKey: key })}>
          Купить коды{tariff ? ` за ${formatMoney(total)}` : ''}
        </Button>
      </Space>
      {tariff && shortfall > 0 ? (
        <Alert
          type="warning"
          showIcon
          role="alert"
          style={{ marginBottom: 12 }}
          title={`Не хватает ${formatMoney(shortfall)}`}
          description={<Link to={`/billing?organizationId=${organizationId}&amount=${topUpFor(shortfall)}`}>Пополнить на {formatMoney(topUpFor(shortfall))}</Link>}
        />
      ) : null}
      {buy.error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 12 }} title="Коды не куплены" description={billingErrorText(buy.error)} /> : null}
      {buy.data ? <Alert type="success" showIcon role="status" style={{ marginBottom: 12 }} title={`Куплено кодов: ${buy.data.codes?.length ?? 0}`} /> : null}
      <QueryState query={codes} isEmpty={(d) => d.items.length === 0} empty={<Typography.Paragraph type="secondary">Купленных кодов пока нет.</Typography.Paragraph>}>
        {(d) => (
          <Table<ActivationCode>
            rowKey="code"
            size="small"
            scroll={{ x: 560 }}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            dataSource={d.items}
            columns={[
              { title: 'Код', dataIndex: 'code', render: (v: string) => <Typography.Text copyable code>{v}</Typography.Text> },
              { title: 'Срок', dataIndex: 'months', render: (v: number) => `${v} мес.` },
              {
                title: 'Статус',
                key: 'status',
                render: (_, c) => (c.appliedRegisterId === null ? <Tag color="green">Свободен</Tag> : <Tag>Применён к РН {rn.get(c.appliedRegisterId) ?? c.appliedRegisterId}, {formatInstant(c.appliedAt)}</Tag>),
              },
              { title: 'Куплен', dataIndex: 'createdAt', render: (v: string) => formatInstant(v) },
            ]}
          />
        )}
      </QueryState>
    </Card>
  );
}
