/**
 * What a tariff bought for the chosen registers gives and costs, before paying: each register's new paid-until day,
 * the total, the balance after it — or how much to top up first, with the way to do it.
 */
import { Button, List, Space, Typography } from 'antd';
import { formatLocalDateTime, formatMoney } from '../../../lib/format';
import type { PlanLine, TariffPlan } from '../lib/tariff-plan';
import { ShortfallAlert } from './ShortfallAlert';

export interface PayOutcome {
  registerId: number;
  endsOn?: string;
  error?: string;
}

/** One register's line: its new period and price, then how paying it went. */
function PlanLineItem({ line: l, outcome: o }: { line: PlanLine; outcome: PayOutcome | undefined }) {
  return (
    <List.Item>
      <div style={{ width: '100%' }}>
        <Space wrap style={{ justifyContent: 'space-between', width: '100%' }}>
          <span>РН {l.registrationNumber}</span>
          <span>
            {formatLocalDateTime(l.startsOn)} — <strong>оплачено до {formatLocalDateTime(l.endsOn)}</strong>
          </span>
          <span>{formatMoney(l.price)}</span>
        </Space>
        {o?.endsOn ? <Typography.Text type="success">Оплачено: обслуживание до {formatLocalDateTime(o.endsOn)}</Typography.Text> : null}
        {o?.error ? <Typography.Text type="danger">Не оплачено: {o.error}</Typography.Text> : null}
      </div>
    </List.Item>
  );
}

const TOP_UP_HOW = 'Пополните баланс картой (деньги поступят сразу) или выставьте счёт для оплаты с расчётного счёта, затем вернитесь и оплатите.';

export function PayPlan({
  plan,
  balance,
  organizationId,
  paying,
  outcomes,
  onPay,
}: {
  plan: TariffPlan;
  balance: number;
  organizationId: number;
  paying: boolean;
  outcomes: readonly PayOutcome[];
  onPay: () => void;
}) {
  const outcomeOf = new Map(outcomes.map((o) => [o.registerId, o]));
  return (
    <div aria-label="Расчёт оплаты" role="region">
      <List size="small" bordered dataSource={[...plan.lines]} renderItem={(l) => <PlanLineItem line={l} outcome={outcomeOf.get(l.registerId)} />} />
      <Space direction="vertical" style={{ marginTop: 12, width: '100%' }}>
        <div>
          Итого: <strong>{formatMoney(plan.total)}</strong>. На балансе {formatMoney(balance)}
          {plan.shortfall === 0 ? `, после оплаты останется ${formatMoney(plan.balanceAfter)}.` : '.'}
        </div>
        {plan.shortfall > 0 ? <ShortfallAlert organizationId={organizationId} shortfall={plan.shortfall} intro={TOP_UP_HOW} /> : null}
        <Button type="primary" onClick={onPay} loading={paying} disabled={plan.lines.length === 0 || plan.shortfall > 0}>
          Оплатить {formatMoney(plan.total)}
        </Button>
      </Space>
    </div>
  );
}
