/**
 * What a tariff bought for the chosen registers gives and costs, before paying: each register's new paid-until day,
 * the total, the balance after it — or how much to top up first, with the way to do it.
 */
import { Alert, Button, List, Space, Typography } from 'antd';
import { Link } from 'react-router';
import { formatLocalDateTime, formatMoney } from '../../../lib/format';
import type { TariffPlan } from '../lib/tariff-plan';
import { topUpFor } from '../lib/tariff-plan';

export interface PayOutcome {
  registerId: number;
  endsOn?: string;
  error?: string;
}

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
  const topUp = topUpFor(plan.shortfall);
  return (
    <div aria-label="Расчёт оплаты" role="region">
      <List
        size="small"
        bordered
        dataSource={[...plan.lines]}
        renderItem={(l) => {
          const o = outcomeOf.get(l.registerId);
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
        }}
      />
      <Space direction="vertical" style={{ marginTop: 12, width: '100%' }}>
        <div>
          Итого: <strong>{formatMoney(plan.total)}</strong>. На балансе {formatMoney(balance)}
          {plan.shortfall === 0 ? `, после оплаты останется ${formatMoney(plan.balanceAfter)}.` : '.'}
        </div>
        {plan.shortfall > 0 ? (
          <Alert
            type="warning"
            showIcon
            role="alert"
            title={`Не хватает ${formatMoney(plan.shortfall)}`}
            description={
              <>
                Пополните баланс картой (деньги поступят сразу) или выставьте счёт для оплаты с расчётного счёта, затем вернитесь и оплатите.{' '}
                <Link to={`/billing?organizationId=${organizationId}&amount=${topUp}`}>Пополнить на {formatMoney(topUp)}</Link>
              </>
            }
          />
        ) : null}
        <Button type="primary" onClick={onPay} loading={paying} disabled={plan.lines.length === 0 || plan.shortfall > 0}>
          Оплатить {formatMoney(plan.total)}
        </Button>
      </Space>
    </div>
  );
}
