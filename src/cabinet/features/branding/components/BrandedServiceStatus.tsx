/**
 * Whether buyers get this brand now: only while the branded e-receipt service is paid in the Маркет. The live preview
 * shows the saved brand either way; unpaid, it says so and links to the Маркет.
 */
import { Alert, Tag } from 'antd';
import { Link } from 'react-router';
import { useBrandedService } from '../api/branding';
import { serviceStatusText } from '../lib/service-status';

const marketLink = (organizationId: number) => `/market?organizationId=${organizationId}#branded-receipts`;

export function BrandedServiceStatus({ organizationId }: { organizationId: number }) {
  const service = useBrandedService(organizationId);
  const s = service.data;
  if (!s) return null;
  return (
    <Alert
      type={s.active ? 'success' : 'warning'}
      showIcon
      role="status"
      style={{ marginBottom: 16 }}
      title={serviceStatusText(s)}
      action={<Link to={marketLink(organizationId)}>{s.active ? 'Продлить в Маркете' : 'Купить в Маркете'}</Link>}
    />
  );
}

/** The preview's mark: what buyers get now. */
export function PreviewServiceTag({ organizationId }: { organizationId: number }) {
  const s = useBrandedService(organizationId).data;
  if (!s) return null;
  // Wraps rather than widen the card's header: on a 375 px phone the inactive text alone is wider than the screen.
  const style = { whiteSpace: 'normal', maxWidth: 170, marginInlineEnd: 0 } as const;
  return s.active ? (
    <Tag color="green" style={style}>
      так чек увидит покупатель
    </Tag>
  ) : (
    <Tag color="orange" style={style}>
      не активно: покупатели получают стандартный чек
    </Tag>
  );
}
