import { Alert, Card, Space, Switch, Typography } from 'antd';
import { formatMoney } from '../../../lib/format';
import { useSetSmsPostpaid, useSmsPostpaid, type Product } from '../api/billing';
import { billingErrorText } from '../lib/billing-errors';

/** Postpaid SMS: once the packages are empty, SMS keep going and are billed at the end of the month by the count. */
export function SmsPostpaid({ organizationId, products }: { organizationId: number; products: readonly Product[] }) {
  const state = useSmsPostpaid(organizationId);
  const set = useSetSmsPostpaid(organizationId);
  const unit = products.find((p) => p.kind === 'sms_postpaid');
  return (
    <Card size="small" title="SMS по факту (постоплата)" style={{ marginTop: 16 }}>
      <Space align="start">
        <Switch
          aria-label="SMS по факту отправки"
          checked={state.data?.enabled ?? false}
          loading={state.isPending || set.isPending}
          onChange={(enabled) => set.mutate(enabled)}
        />
        <Typography.Paragraph style={{ marginBottom: 0 }}>
          Когда SMS в пакетах закончатся, чеки продолжат уходить по SMS, а отправленные сверх пакетов спишутся с баланса в начале следующего месяца
          {unit ? ` по ${formatMoney(unit.price)} за SMS` : ''}. Выключено — без пакета чек по SMS не отправляется.
        </Typography.Paragraph>
      </Space>
      {state.error || set.error ? <Alert type="error" showIcon role="alert" style={{ marginTop: 8 }} title="Настройка не изменена" description={billingErrorText(state.error ?? set.error)} /> : null}
    </Card>
  );
}
