/** SMS packages of the Маркет: buying one debits the balance and adds its SMS at once; a shortfall says how to cover it. */
import { Alert, Button, Card, Col, InputNumber, Modal, Row, Space, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { formatCount, formatMoney } from '../../../lib/format';
import { useBuySmsPackage, type Balances, type Product, type SmsPackageCode } from '../api/billing';
import { billingErrorText, isInsufficientFunds } from '../lib/billing-errors';
import { perSms } from '../lib/labels';
import { newPurchaseKey } from '../lib/references';
import { ShortfallAlert } from './ShortfallAlert';

interface Purchase {
  product: Product;
  quantity: number;
  key: string;
}

const times = (quantity: number) => (quantity > 1 ? ` × ${quantity}` : '');

function SmsPackageCard({ p, quantity, onQuantity, onBuy }: { p: Product; quantity: number; onQuantity: (n: number) => void; onBuy: () => void }) {
  return (
    <Card size="small" title={p.name}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {formatMoney(p.price)}
      </Typography.Title>
      <Typography.Paragraph type="secondary">≈ {formatMoney(perSms(p.price, p.units))} за SMS</Typography.Paragraph>
      <Space wrap>
        <InputNumber aria-label={`Количество пакетов «${p.name}»`} min={1} max={100} value={quantity} onChange={(v) => onQuantity(v ?? 1)} style={{ width: 80 }} />
        <Button type="primary" aria-label={`Купить «${p.name}»`} onClick={onBuy}>
          Купить
        </Button>
      </Space>
    </Card>
  );
}

/** The confirmation of one purchase: what it adds and costs, a shortfall or the failure. */
function ConfirmPurchase({ organizationId, confirm, balance, buy, onClose, onBought }: {
  organizationId: number;
  confirm: Purchase | undefined;
  balance: number;
  buy: ReturnType<typeof useBuySmsPackage>;
  onClose: () => void;
  onBought: (text: string) => void;
}) {
  const total = confirm ? confirm.product.price * confirm.quantity : 0;
  const shortfall = Math.max(0, total - balance);
  const onOk = () =>
    confirm &&
    buy.mutate(
      { product: confirm.product.code as SmsPackageCode, quantity: confirm.quantity, idempotencyKey: confirm.key },
      { onSuccess: (r) => onBought(`Куплено: ${confirm.product.name}${times(confirm.quantity)}. SMS в пакетах: ${formatCount(r.accounts.sms)}, на балансе ${formatMoney(r.accounts.balance)}.`) },
    );
  return (
    <Modal open={confirm !== undefined} title="Подтвердите покупку" okText={`Оплатить ${formatMoney(total)}`} cancelText="Отмена" okButtonProps={{ disabled: shortfall > 0, loading: buy.isPending }} onCancel={onClose} onOk={onOk}>
      {confirm ? (
        <Typography.Paragraph>
          {confirm.product.name}
          {times(confirm.quantity)}: {formatCount(confirm.product.units * confirm.quantity)} SMS. С баланса спишется {formatMoney(total)}, на балансе{' '}
          {formatMoney(balance)}.
        </Typography.Paragraph>
      ) : null}
      {shortfall > 0 ? <ShortfallAlert organizationId={organizationId} shortfall={shortfall} intro="Пополните баланс картой или по счёту и вернитесь к покупке." /> : null}
      {buy.error ? (
        <Alert type="error" showIcon role="alert" title="Покупка не прошла" description={billingErrorText(buy.error)} action={isInsufficientFunds(buy.error) ? <Link to={`/billing?organizationId=${organizationId}`}>Пополнить</Link> : undefined} />
      ) : null}
    </Modal>
  );
}

export function SmsPackages({ organizationId, products, balances }: { organizationId: number; products: readonly Product[]; balances: Balances }) {
  const buy = useBuySmsPackage(organizationId);
  const [quantity, setQuantity] = useState<Record<string, number>>({});
  const [confirm, setConfirm] = useState<Purchase | undefined>();
  const [bought, setBought] = useState<string | undefined>();
  const packages = products.filter((p) => p.kind === 'sms_package');
  const startBuying = (p: Product, n: number) => {
    buy.reset();
    setConfirm({ product: p, quantity: n, key: newPurchaseKey('sms') });
  };
  const onBought = (text: string) => {
    setBought(text);
    setConfirm(undefined);
  };
  return (
    <>
      <Row gutter={[12, 12]}>
        {packages.map((p) => {
          const n = quantity[p.code] ?? 1;
          return (
            <Col key={p.code} xs={24} sm={12} lg={6}>
              <SmsPackageCard p={p} quantity={n} onQuantity={(v) => setQuantity({ ...quantity, [p.code]: v })} onBuy={() => startBuying(p, n)} />
            </Col>
          );
        })}
      </Row>
      {bought ? <Alert type="success" showIcon role="status" style={{ marginTop: 12 }} title={bought} closable onClose={() => setBought(undefined)} /> : null}
      <ConfirmPurchase organizationId={organizationId} confirm={confirm} balance={balances.balance} buy={buy} onClose={() => setConfirm(undefined)} onBought={onBought} />
    </>
  );
}
