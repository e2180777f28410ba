import { Tag } from 'antd';
import { formatLocalDateTime } from '../../../lib/format';
import { daysLeftText, levelOf, type ServiceOf } from '../lib/expiry';

const COLOR = { expired: 'red', '1': 'red', '7': 'orange', '30': 'gold' } as const;

/** The register's paid service in one tag: until when, and how soon it ends. */
export function ServiceTag({ s }: { s: ServiceOf['ofdService'] }) {
  if (s.until === null || s.daysLeft === null) return <Tag>Не оплачено</Tag>;
  const level = levelOf(s.daysLeft);
  return (
    <span>
      {s.daysLeft < 0 ? 'Закончилось ' : 'До '}
      {formatLocalDateTime(s.until)} {level ? <Tag color={COLOR[level]}>{daysLeftText(s.daysLeft)}</Tag> : null}
    </span>
  );
}
