/**
 * The signed-in frame: the sider menu (app/routes.tsx `menu`; a drawer-like collapse on phones), the header with the
 * global search and the user menu, and the page. Pages load lazily: a spinner shows while a section's chunk arrives.
 */
import { Layout, Menu } from 'antd';
import { lazy, Suspense, useMemo, useState } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { LoadingState } from '../../components/QueryState';
import { useSession } from '../../features/auth/api/session';
import { selectedMenuKey, visibleMenu, type MenuEntry } from '../routes';
import { UserMenu } from './UserMenu';

// The search box brings AutoComplete (rc-select, virtual lists): a chunk of its own, loaded right after the frame.
const GlobalSearch = lazy(() => import('../../features/search/components/GlobalSearch').then((m) => ({ default: m.GlobalSearch })));
// Registers whose paid OFD service ends soon (issue 17): its own small chunk too.
const PaidPeriodBanner = lazy(() => import('../../features/billing/components/PaidPeriodBanner').then((m) => ({ default: m.PaidPeriodBanner })));
const BrandedServiceBanner = lazy(() => import('../../features/billing/components/BrandedServiceBanner').then((m) => ({ default: m.BrandedServiceBanner })));

type Item = { key: string; label: string; icon?: React.ReactNode; children?: Item[] };
const toItems = (entries: readonly MenuEntry[]): Item[] =>
  entries.map((e) => ({ key: e.key, label: e.label, icon: e.icon, ...(e.children ? { children: toItems(e.children) } : {}) }));

/** The sider: the section menu, collapsed to a drawer-like strip on phones (closing after a pick there). */
function AppSider({ narrow, setNarrow }: { narrow: boolean; setNarrow: (narrow: boolean) => void }) {
  const location = useLocation();
  const navigate = useNavigate();
  const [collapsed, setCollapsed] = useState(false);
  const operator = useSession().data?.operator === true;
  const menu = visibleMenu(operator);
  const items = useMemo(() => toItems(menu), [menu]);
  const selected = selectedMenuKey(location.pathname);
  const openGroup = menu.find((m) => m.children?.some((c) => c.key === selected))?.key;
  return (
    <Layout.Sider
      breakpoint="md"
      collapsedWidth={narrow ? 0 : 80}
      collapsible
      collapsed={collapsed}
      onCollapse={setCollapsed}
      onBreakpoint={(broken) => {
        setNarrow(broken);
        setCollapsed(broken);
      }}
      theme="light"
      width={220}
      style={narrow && !collapsed ? { position: 'fixed', zIndex: 20, height: '100vh', boxShadow: '2px 0 8px rgba(0,0,0,0.15)' } : undefined}
      aria-label="Разделы кабинета"
      // On a phone the menu's opener sits in the header's left corner, not over the page title.
      zeroWidthTriggerStyle={{ top: 12 }}
    >
      <div style={{ height: 56, display: 'flex', alignItems: 'center', padding: '0 20px', fontWeight: 600, color: '#1668dc' }}>{collapsed ? 'ОФД' : 'Кабинет ОФД'}</div>
      <nav aria-label="Главное меню">
        <Menu
          mode="inline"
          selectedKeys={[selected]}
          defaultOpenKeys={openGroup ? [openGroup] : ['receipts-group']}
          items={items}
          onClick={({ key }) => {
            void navigate(key);
            if (narrow) setCollapsed(true);
          }}
        />
      </nav>
    </Layout.Sider>
  );
}

export function AppLayout() {
  const [narrow, setNarrow] = useState(false);
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <a className="skip-link" href="#main">
        К содержимому
      </a>
      <AppSider narrow={narrow} setNarrow={setNarrow} />
      <Layout>
        <Layout.Header
          style={{ background: '#fff', padding: narrow ? '0 8px 0 56px' : '0 24px', display: 'flex', alignItems: 'center', gap: 12, borderBottom: '1px solid #f0f0f0' }}
        >
          <div style={{ flex: 1, minWidth: 0, maxWidth: 560, lineHeight: 'normal' }}>
            <Suspense fallback={<div style={{ height: 32 }} aria-hidden />}>
              <GlobalSearch />
            </Suspense>
          </div>
          <UserMenu />
        </Layout.Header>
        <Layout.Content id="main" tabIndex={-1} className="cabinet-content">
          <Suspense fallback={null}>
            <PaidPeriodBanner />
            <BrandedServiceBanner />
          </Suspense>
          <Suspense fallback={<LoadingState />}>
            <Outlet />
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
