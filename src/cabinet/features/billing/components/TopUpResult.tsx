/** The outcome of a card top-up after the provider sent the buyer back (`/billing?topUp=<key>`). */
import { Alert, Button, Spin } from 'antd';
import { useEffect, useState } from 'react';
import { formatMoney } from '../../../lib/format';
import { useAfterMovement, useCardTopUp } from '../api/billing';
import { billingErrorText } from '../lib/billing-errors';
import { recallTopUp } from '../lib/top-up-return';

/** The callback usually arrives within seconds; after this long the page says the payment is still being processed. */
const PATIENCE_MS = 60_000;

export function TopUpResult({ organizationId, topUpKey, onClose }: { organizationId: number; topUpKey: string; onClose: () => void }) {
  const paymentId = recallTopUp(topUpKey);
  const payment = useCardTopUp(organizationId, paymentId);
  const after = useAfterMovement();
  const [patient, setPatient] = useState(true);
  const status = payment.data?.status;
  useEffect(() => {
    const t = setTimeout(() => setPatient(false), PATIENCE_MS);
    return () => clearTimeout(t);
  }, []);
  // Once the money is in: the balance, history and documents are read again.
  const succeeded = status === 'succeeded';
  useEffect(() => {
    if (succeeded) void after();
  }, [succeeded, after]);

  const close = <Button size="small" onClick={onClose}>Скрыть</Button>;
  if (paymentId === undefined) {
    return <Alert type="info" showIcon style={{ marginBottom: 16 }} title="Вы вернулись со страницы оплаты" description="Если оплата прошла, деньги появятся на балансе и в истории движения средств в течение минуты." action={close} />;
  }
  if (payment.error) return <Alert type="warning" showIcon role="alert" style={{ marginBottom: 16 }} title="Не удалось узнать результат оплаты" description={billingErrorText(payment.error)} action={close} />;
  if (!payment.data || status === 'pending') {
    return (
      <Alert
        type="info"
        showIcon
        role="status"
        style={{ marginBottom: 16 }}
        icon={<Spin size="small" />}
        title={patient ? 'Проверяем оплату…' : 'Платёж ещё обрабатывается'}
        description={patient ? 'Ждём подтверждения от платёжного сервиса.' : 'Банк пока не подтвердил платёж. Деньги поступят на баланс, как только подтверждение придёт; повторно платить не нужно.'}
        action={close}
      />
    );
  }
  if (status === 'succeeded') {
    return <Alert type="success" showIcon role="status" style={{ marginBottom: 16 }} title={`Оплата прошла: баланс пополнен на ${formatMoney(payment.data.amount)}`} action={close} />;
  }
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      style={{ marginBottom: 16 }}
      title="Платёж отклонён, деньги не списаны"
      description="Проверьте данные карты и лимиты у банка, попробуйте другую карту или пополните баланс по счёту."
      action={close}
    />
  );
}
