/** After a tariff is paid for every chosen register: each one's new paid-until day. */
import { Alert } from 'antd';
import { formatLocalDateTime } from '../../../lib/format';
import type { PaidRegister } from './useTariffPayment';

export function PaidNotice({ paid, onClose }: { paid: readonly PaidRegister[]; onClose: () => void }) {
  const lines = paid.map((p) => (
    <div key={p.rn}>
      РН {p.rn}: обслуживание оплачено до {formatLocalDateTime(p.endsOn)}
    </div>
  ));
  return <Alert type="success" showIcon role="status" style={{ marginBottom: 12 }} title="Оплачено" description={lines} closable onClose={onClose} />;
}
