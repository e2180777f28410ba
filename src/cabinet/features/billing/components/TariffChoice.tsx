import { Radio, Space, Tag, Typography } from 'antd';
import { formatLocalDateTime, formatMoney } from '../../../lib/format';
import type { Tariff } from '../api/billing';
import { promoOn } from '../lib/service-term';

/** The catalogue's tariffs as choices: term, today's price per register, the list price struck out during a promotion. */
export function TariffChoice({ tariffs, value, onChange, today }: { tariffs: readonly Tariff[]; value: number | undefined; onChange: (id: number) => void; today: string }) {
  return (
    <Radio.Group value={value} onChange={(e) => onChange(e.target.value as number)} aria-label="Тариф" style={{ width: '100%' }}>
      <Space wrap align="start">
        {tariffs.map((t) => {
          const promo = promoOn(t, today);
          return (
            <Radio.Button key={t.id} value={t.id} style={{ height: 'auto', padding: '8px 12px', lineHeight: 1.4, minWidth: 200 }}>
              <div style={{ fontWeight: 500 }}>{t.name}</div>
              <div>
                <Typography.Text strong>{formatMoney(t.priceToday)}</Typography.Text> за кассу
                {promo ? (
                  <>
                    {' '}
                    <Typography.Text delete type="secondary">
                      {formatMoney(t.price)}
                    </Typography.Text>
                  </>
                ) : null}
              </div>
              {promo && t.promo ? <Tag color="red">Акция до {formatLocalDateTime(t.promo.until)}</Tag> : null}
              {!promo && t.promo && t.promo.from > today ? (
                <Tag color="blue">
                  Акция с {formatLocalDateTime(t.promo.from)}: {formatMoney(t.promo.price)}
                </Tag>
              ) : null}
            </Radio.Button>
          );
        })}
      </Space>
    </Radio.Group>
  );
}
