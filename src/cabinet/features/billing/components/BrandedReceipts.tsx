/**
 * The branded e-receipt service in the Маркет: its periods and prices, until when it is paid, and a buy button. A
 * purchase extends the service from its current end; a shortfall says how to cover it.
 */
import { Alert, Button, Card, Col, Modal, Row, Space, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { formatMoney, formatMoscowDay } from '../../../lib/format';
import { useBrandedOffers, useBrandedService, useBuyBrandedReceipts, type Balances, type BrandedOffer } from '../api/billing';
import { billingErrorText } from '../lib/billing-errors';
import { newPurchaseKey } from '../lib/references';
import { topUpFor } from '../lib/tariff-plan';

function ServiceState({ organizationId }: { organizationId: number }) {
  const service = useBrandedService(organizationId);
  if (!service.data) return null;
  return service.data.active ? (
    <Typography.Paragraph>
      Брендирование активно до <strong>{formatMoscowDay(service.data.activeUntil)}</strong>. Новая покупка продлит его с этой даты.
    </Typography.Paragraph>
  ) : (
    <Typography.Paragraph type="secondary">
      Не оплачено — покупатели получают стандартный чек. <Link to={`/receipt-branding?organizationId=${organizationId}`}>Настроить оформление</Link>
    </Typography.Paragraph>
  );
}

function ConfirmBrandedPurchase({ organizationId, offer, balance, onClose }: { organizationId: number; offer: BrandedOffer & { key: string }; balance: number; onClose: (done?: string) => void }) {
  const buy = useBuyBrandedReceipts(organizationId);
  const shortfall = Math.max(0, offer.price - balance);
  return (
    <Modal
      open
      title="Подтвердите покупку"
      okText={`Оплатить ${formatMoney(offer.price)}`}
      cancelText="Отмена"
      okButtonProps={{ disabled: shortfall > 0, loading: buy.isPending }}
      onCancel={() => onClose()}
      onOk={() =>
        buy.mutate({ product: offer.code, idempotencyKey: offer.key }, { onSuccess: (r) => onClose(`Куплено: ${offer.name}. Брендирование активно до ${formatMoscowDay(r.activeUntil)}.`) })
      }
    >
      <Typography.Paragraph>
        {offer.name}. С баланса спишется {formatMoney(offer.price)}, на балансе {formatMoney(balance)}.
      </Typography.Paragraph>
      {shortfall > 0 ? (
        <Alert
          type="warning"
          showIcon
          role="alert"
          title={`Не хватает ${formatMoney(shortfall)}`}
          description={<Link to={`/billing?organizationId=${organizationId}&amount=${topUpFor(shortfall)}`}>Пополнить на {formatMoney(topUpFor(shortfall))}</Link>}
        />
      ) : null}
      {buy.error ? <Alert type="error" showIcon role="alert" title="Покупка не прошла" description={billingErrorText(buy.error)} /> : null}
    </Modal>
  );
}

export function BrandedReceipts({ organizationId, balances }: { organizationId: number; balances: Balances }) {
  const offers = useBrandedOffers();
  const [confirm, setConfirm] = useState<(BrandedOffer & { key: string }) | undefined>();
  const [bought, setBought] = useState<string | undefined>();
  return (
    <Card size="small" title="Брендированные чеки" id="branded-receipts">
      <Typography.Paragraph type="secondary">Ваш логотип, цвета, тексты и баннеры в электронных чеках и на странице чека для покупателей.</Typography.Paragraph>
      <ServiceState organizationId={organizationId} />
      <Row gutter={[12, 12]}>
        {(offers.data?.items ?? []).map((o) => (
          <Col key={o.code} xs={24} sm={12} lg={6}>
            <Card size="small" title={o.name}>
              <Space orientation="vertical">
                <Typography.Title level={4} style={{ margin: 0 }}>
                  {formatMoney(o.price)}
                </Typography.Title>
                <Button type="primary" aria-label={`Купить «${o.name}»`} onClick={() => setConfirm({ ...o, key: newPurchaseKey('branded') })}>
                  Купить
                </Button>
              </Space>
            </Card>
          </Col>
        ))}
      </Row>
      {bought ? <Alert type="success" showIcon role="status" style={{ marginTop: 12 }} title={bought} closable onClose={() => setBought(undefined)} /> : null}
      {confirm ? (
        <ConfirmBrandedPurchase
          organizationId={organizationId}
          offer={confirm}
          balance={balances.balance}
          onClose={(done) => {
            setConfirm(undefined);
            if (done) setBought(done);
          }}
        />
      ) : null}
    </Card>
  );
}
