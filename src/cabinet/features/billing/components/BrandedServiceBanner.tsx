/**
 * The shell's banner for organizations whose branded e-receipt service ends within 30, 7 or 1 days, or has just ended
 * (the thresholds of the `branding.expiring` e-mails): buyers then get the standard receipt. Read from
 * GET /branded-receipts/ending; hidden in the Маркет itself and, once closed, for the session until the situation
 * changes (another organization, a closer threshold, a new end).
 */
import { Alert, Button } from 'antd';
import { useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { useBrandedEnding, type BrandedEnding } from '../api/billing';
import { daysLeftText, levelOf, type ExpiryLevel } from '../lib/expiry';
import { safeGet, safeSet } from '../lib/session-flag';

const TYPE: Record<ExpiryLevel, 'error' | 'warning' | 'info'> = { expired: 'error', '1': 'error', '7': 'warning', '30': 'info' };
const ORDER: readonly ExpiryLevel[] = ['expired', '1', '7', '30'];
const SHOWN = 3;

/** The closest level among the organizations listed (expired first), or undefined when none is due. */
export function brandedLevel(items: readonly BrandedEnding[]): ExpiryLevel | undefined {
  const levels = items.map((i) => (i.ended ? 'expired' : levelOf(i.daysLeft)));
  return ORDER.find((l) => levels.includes(l));
}

function endText(i: BrandedEnding): string {
  return i.ended ? 'брендирование отключено, покупатели получают стандартный чек' : `до ${i.lastDay.split('-').reverse().join('.')}, ${daysLeftText(i.daysLeft)}`;
}

export function BrandedServiceBanner() {
  const ending = useBrandedEnding();
  const location = useLocation();
  const navigate = useNavigate();
  const [, rerender] = useState(0);
  const items = ending.data?.items ?? [];
  const level = brandedLevel(items);
  if (level === undefined || location.pathname.startsWith('/market')) return null;
  const key = `brand.expiry-banner.${level}.${items.map((i) => `${i.organizationId}@${i.endsAt}`).join(',')}`;
  if (safeGet(key)) return null;
  const ended = level === 'expired';
  const total = Math.max(ending.data?.total ?? 0, items.length);
  return (
    <Alert
      type={TYPE[level]}
      showIcon
      role={ended || level === '1' ? 'alert' : 'status'}
      closable
      onClose={() => {
        safeSet(key);
        rerender((n) => n + 1);
      }}
      style={{ marginBottom: 16 }}
      title={ended ? 'Брендирование отключено — покупатели получают стандартный чек' : 'Заканчивается оплаченное брендирование чеков'}
      description={
        <>
          {items.slice(0, SHOWN).map((i) => (
            <div key={i.organizationId}>
              {i.organizationName}: {endText(i)}
            </div>
          ))}
          {total > SHOWN ? <div>и ещё {total - SHOWN}</div> : null}
          {ended ? null : <div style={{ marginTop: 4 }}>Продлите услугу в Маркете заранее, чтобы чеки покупателям не теряли ваш логотип и оформление.</div>}
        </>
      }
      action={
        <Button size="small" type="primary" onClick={() => void navigate(`/market?organizationId=${items[0]!.organizationId}`)}>
          {ended ? 'Включить' : 'Продлить'}
        </Button>
      }
    />
  );
}
