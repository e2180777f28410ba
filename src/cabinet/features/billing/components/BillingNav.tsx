import { Tabs } from 'antd';
import { useLocation, useNavigate, useSearchParams } from 'react-router';

const TABS = [
  { key: '/billing', label: 'Баланс и оплата' },
  { key: '/billing/tariffs', label: 'Тарифы касс' },
  { key: '/billing/documents', label: 'Документы' },
  { key: '/market', label: 'Маркет' },
] as const;

/** The tabs over the billing pages; the chosen organization goes along. */
export function BillingNav() {
  const location = useLocation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const org = params.get('organizationId');
  const active = [...TABS].sort((a, b) => b.key.length - a.key.length).find((t) => location.pathname === t.key || location.pathname.startsWith(`${t.key}/`))?.key ?? '/billing';
  return (
    <Tabs
      activeKey={active}
      items={TABS.map((t) => ({ key: t.key, label: t.label }))}
      onChange={(key) => void navigate(org ? `${key}?organizationId=${org}` : key)}
      style={{ marginBottom: 8 }}
    />
  );
}
