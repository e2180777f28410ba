import { Alert, Card, Col, Row, Statistic } from 'antd';
import { formatCount, formatMoney } from '../../../lib/format';
import type { Balances } from '../api/billing';

/** The organization's accounts: money, SMS, activation codes; a postpaid debt says how it is settled. */
export function BalanceCards({ b }: { b: Balances }) {
  return (
    <>
      <Row gutter={[12, 12]} style={{ marginBottom: 16 }}>
        <Col xs={24} sm={12} lg={6}>
          <Card size="small">
            <Statistic title="Баланс" value={formatMoney(b.balance)} valueStyle={{ fontSize: 28 }} />
          </Card>
        </Col>
        <Col xs={12} sm={12} lg={6}>
          <Card size="small">
            <Statistic title="SMS в пакетах" value={formatCount(b.sms)} />
          </Card>
        </Col>
        <Col xs={12} sm={12} lg={6}>
          <Card size="small">
            <Statistic title="SMS по факту в этом месяце" value={formatCount(b.smsPostpaid)} />
          </Card>
        </Col>
        <Col xs={24} sm={12} lg={6}>
          <Card size="small">
            <Statistic title="Свободных кодов активации" value={formatCount(b.activationCodes)} />
          </Card>
        </Col>
      </Row>
      {b.debt > 0 ? (
        <Alert
          type="error"
          showIcon
          role="alert"
          style={{ marginBottom: 16 }}
          title={`Задолженность за SMS по факту: ${formatMoney(b.debt)}`}
          description="Счёт за SMS по факту не покрылся балансом. Пополните баланс не меньше чем на эту сумму и напишите в поддержку, чтобы долг списали."
        />
      ) : null}
    </>
  );
}
