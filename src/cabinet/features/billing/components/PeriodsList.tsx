import { List, Typography } from 'antd';
import { QueryState } from '../../../components/QueryState';
import { formatLocalDateTime, formatMoney } from '../../../lib/format';
import { useServicePeriods } from '../api/billing';

const SOURCE = { tariff: 'Оплата тарифа', activation_code: 'Код активации', operator: 'Предоставлено оператором' } as const;

/** The register's periods of service, newest first: what was paid, granted or activated, and when. */
export function PeriodsList({ registerId, tariffName }: { registerId: number; tariffName: (id: number | null) => string | undefined }) {
  const periods = useServicePeriods(registerId);
  return (
    <QueryState query={periods} isEmpty={(d) => d.items.length === 0} empty={<Typography.Text type="secondary">Оплаченных периодов нет.</Typography.Text>}>
      {(d) => (
        <List
          size="small"
          dataSource={[...d.items].reverse()}
          renderItem={(p) => (
            <List.Item>
              {formatLocalDateTime(p.startsOn)} — {formatLocalDateTime(p.endsOn)}: {SOURCE[p.source]}
              {tariffName(p.tariffId) ? ` «${tariffName(p.tariffId)}»` : ''}
              {p.activationCode ? ` ${p.activationCode}` : ''}
              {p.price > 0 ? `, ${formatMoney(p.price)}` : ''}
            </List.Item>
          )}
        />
      )}
    </QueryState>
  );
}
