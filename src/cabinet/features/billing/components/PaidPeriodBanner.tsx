/**
 * The shell's banner for registers whose paid OFD service ends within 30, 7 or 1 days, or has ended (the same
 * thresholds as the e-mails). Read from GET /ofd-service/ending (the whole fleet, one small query); hidden on the billing pages
 * themselves and, once closed, until the situation changes (another register, a closer threshold).
 */
import { Alert, Button } from 'antd';
import { useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { formatLocalDateTime } from '../../../lib/format';
import { useServiceEnding } from '../api/billing';
import { daysLeftText, expiryNotice, type ExpiryLevel } from '../lib/expiry';
import { safeGet, safeSet } from '../lib/session-flag';

const TYPE: Record<ExpiryLevel, 'error' | 'warning' | 'info'> = { expired: 'error', '1': 'error', '7': 'warning', '30': 'info' };
const SHOWN = 3;

function dismissedKey(level: ExpiryLevel, ids: readonly number[]): string {
  return `ofd.expiry-banner.${level}.${ids.join(',')}`;
}

export function PaidPeriodBanner() {
  const ending = useServiceEnding();
  const location = useLocation();
  const navigate = useNavigate();
  const [, rerender] = useState(0);
  const notice = expiryNotice(ending.data?.registers ?? []);
  const total = Math.max(ending.data?.total ?? 0, notice?.registers.length ?? 0);
  if (!notice || location.pathname.startsWith('/billing')) return null;
  const ids = notice.registers.map((r) => r.id);
  const key = dismissedKey(notice.level, ids);
  if (safeGet(key)) return null;
  const expired = notice.level === 'expired';
  const title = expired ? 'Закончилось оплаченное обслуживание касс в ОФД' : 'Заканчивается оплаченное обслуживание касс в ОФД';
  const consequence = notice.notAcknowledging
    ? 'ОФД не подтверждает чеки этих касс: они копятся в фискальном накопителе и будут приняты после оплаты.'
    : expired
      ? 'Чеки пока принимаются, но касса отмечена как неоплаченная.'
      : 'Продлите тариф заранее, чтобы кассы без перерыва передавали чеки.';
  return (
    <Alert
      type={TYPE[notice.level]}
      showIcon
      role={expired || notice.level === '1' ? 'alert' : 'status'}
      closable
      onClose={() => {
        safeSet(key);
        rerender((n) => n + 1);
      }}
      style={{ marginBottom: 16 }}
      title={title}
      description={
        <>
          {notice.registers.slice(0, SHOWN).map((r) => (
            <div key={r.id}>
              РН {r.registrationNumber}: до {formatLocalDateTime(r.ofdService.until)}, {daysLeftText(r.ofdService.daysLeft!)}
            </div>
          ))}
          {total > SHOWN ? <div>и ещё {total - SHOWN}</div> : null}
          <div style={{ marginTop: 4 }}>{consequence}</div>
        </>
      }
      action={
        <Button size="small" type="primary" onClick={() => void navigate(renewalLink(notice.registers))}>
          Продлить
        </Button>
      }
    />
  );
}

/** The tariffs page for the first register's organization, with that organization's due registers chosen. */
function renewalLink(registers: readonly { id: number; organizationId?: number | null }[]): string {
  const org = registers[0]?.organizationId;
  const ids = registers.filter((r) => r.organizationId === org).map((r) => r.id);
  return `/billing/tariffs?${org ? `organizationId=${org}&` : ''}registers=${ids.join(',')}`;
}
