/** SMS packages of the Маркет: buying one debits the balance and adds its SMS at once; a shortfall says how to cover it. */
import { Alert, Button, Card, Col, InputNumber, Modal, Row, Space, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { formatCount, formatMoney } from '../../../lib/format';
import { useBuySmsPackage, type Balances, type Product, type SmsPackageCode } from '../api/billing';
import { billingErrorText, isInsufficientFunds } from '../lib/billing-errors';
import { perSms } from '../lib/labels';
import { newPurchaseKey } from '../lib/references';
import { topUpFor } from '../lib/tariff-plan';

export function SmsPackages({ organizationId, products, balances }: { organizationId: number; products: readonly Product[]; balances: Balances }) {
  const buy = useBuySmsPackage(organizationId);
  const [quantity, setQuantity] = useState<Record<string, number>>({});
  const [confirm, setConfirm] = useState<{ product: Product; quantity: number; key: string } | undefined>();
  const [bought, setBought] = useState<string | undefined>();
  const packages = products.filter((p) => p.kind === 'sms_package');
  const total = confirm ? confirm.product.price * confirm.quantity : 0;
  const shortfall = Math.max(0, total - balances.balance);

  return (
    <>
      <Row gutter={[12, 12]}>
        {packages.map((p) => {
          const n = quantity[p.code] ?? 1;
          return (
            <Col key={p.code} xs={24} sm={12} lg={6}>
              <Card size="small" title={p.name}>
                <Typography.Title level={4} style={{ marginTop: 0 }}>
                  {formatMoney(p.price)}
                </Typography.Title>
                <Typography.Paragraph type="secondary">≈ {formatMoney(perSms(p.price, p.units))} за SMS</Typography.Paragraph>
                <Space wrap>
                  <InputNumber aria-label={`Количество пакетов «${p.name}»`} min={1} max={100} value={n} onChange={(v) => setQuantity({ ...quantity, [p.code]: v ?? 1 })} style={{ width: 80 }} />
                  <Button
                    type="primary"
                    aria-label={`Купить «${p.name}»`}
                    onClick={() => {
                      buy.reset();
                      setConfirm({ product: p, quantity: n, key: newPurchaseKey('sms') });
                    }}
                  >
                    Купить
                  </Button>
                </Space>
              </Card>
            </Col>
          );
        })}
      </Row>
      {bought ? <Alert type="success" showIcon role="status" style={{ marginTop: 12 }} title={bought} closable onClose={() => setBought(undefined)} /> : null}
      <Modal
        open={confirm !== undefined}
        title="Подтвердите покупку"
        okText={`Оплатить ${formatMoney(total)}`}
        cancelText="Отмена"
        okButtonProps={{ disabled: shortfall > 0, loading: buy.isPending }}
        onCancel={() => setConfirm(undefined)}
        onOk={() =>
          confirm &&
          buy.mutate(
            { product: confirm.product.code as SmsPackageCode, quantity: confirm.quantity, idempotencyKey: confirm.key },
            {
              onSuccess: (r) => {
                setBought(`Куплено: ${confirm.product.name}${confirm.quantity > 1 ? ` × ${confirm.quantity}` : ''}. SMS в пакетах: ${formatCount(r.accounts.sms)}, на балансе ${formatMoney(r.accounts.balance)}.`);
                setConfirm(undefined);
              },
            },
          )
        }
      >
        {confirm ? (
          <Typography.Paragraph>
            {confirm.product.name}
            {confirm.quantity > 1 ? ` × ${confirm.quantity}` : ''}: {formatCount(confirm.product.units * confirm.quantity)} SMS. С баланса спишется {formatMoney(total)}, на балансе{' '}
            {formatMoney(balances.balance)}.
          </Typography.Paragraph>
        ) : null}
        {shortfall > 0 ? (
          <Alert
            type="warning"
            showIcon
            role="alert"
            title={`Не хватает ${formatMoney(shortfall)}`}
            description={
              <>
                Пополните баланс картой или по счёту и вернитесь к покупке.{' '}
                <Link to={`/billing?organizationId=${organizationId}&amount=${topUpFor(shortfall)}`}>Пополнить на {formatMoney(topUpFor(shortfall))}</Link>
              </>
            }
          />
        ) : null}
        {buy.error ? (
          <Alert type="error" showIcon role="alert" title="Покупка не прошла" description={billingErrorText(buy.error)} action={isInsufficientFunds(buy.error) ? <Link to={`/billing?organizationId=${organizationId}`}>Пополнить</Link> : undefined} />
        ) : null}
      </Modal>
    </>
  );
}
