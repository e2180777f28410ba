/** «Не хватает …» before a purchase: the missing sum and a link to top up the balance by it (rounded up). */
import { Alert } from 'antd';
import type { CSSProperties, ReactNode } from 'react';
import { Link } from 'react-router';
import { formatMoney } from '../../../lib/format';
import { topUpFor } from '../lib/tariff-plan';

export function ShortfallAlert({ organizationId, shortfall, intro, style }: { organizationId: number; shortfall: number; intro?: ReactNode; style?: CSSProperties }) {
  const topUp = topUpFor(shortfall);
  const link = <Link to={`/billing?organizationId=${organizationId}&amount=${topUp}`}>Пополнить на {formatMoney(topUp)}</Link>;
  const description = intro === undefined ? link : (
    <>
      {intro}{' '}
      {link}
    </>
  );
  return <Alert type="warning" showIcon role="alert" style={style} title={`Не хватает ${formatMoney(shortfall)}`} description={description} />;
}
