/**
 * THE place where a section of the cabinet is registered (see ../README.md, "Adding a section"):
 * - `sectionRoutes`: the pages inside the signed-in layout, each loaded lazily (its own chunk, so the first screen
 *   stays small); a page module's default export is the page component;
 * - `menu`: the sider's items, in order; a parent with `children` is a group (Чеки → Все чеки / Маркировка / …).
 * Features never import each other; they meet here.
 */
import {
  ApiOutlined,
  AreaChartOutlined,
  CloudDownloadOutlined,
  HistoryOutlined,
  TeamOutlined,
  DesktopOutlined,
  FileTextOutlined,
  HomeOutlined,
  SafetyCertificateOutlined,
  ShopOutlined,
  WalletOutlined,
} from '@ant-design/icons';
import type { ComponentType, ReactNode } from 'react';

export interface SectionRoute {
  /** Path inside the cabinet, without the leading slash ('' is Главная). */
  path: string;
  page: () => Promise<{ default: ComponentType }>;
  /** The operator's area: only the operator's staff reach it (router.tsx shows «Нет доступа» to anyone else). */
  operatorOnly?: true;
}

export interface MenuEntry {
  /** The path it opens, or a group key for a parent. */
  key: string;
  label: string;
  icon?: ReactNode;
  children?: readonly MenuEntry[];
  /** Shown only to the operator's staff (the session's `operator`). */
  operatorOnly?: true;
}

export const sectionRoutes: readonly SectionRoute[] = [
  { path: '', page: () => import('../features/dashboard/routes/DashboardPage') },
  { path: 'registers', page: () => import('../features/registers/routes/RegistersPage') },
  { path: 'registers/register-new', page: () => import('../features/kkt-registration/routes/RegisterKktPage') },
  { path: 'registers/:id', page: () => import('../features/registers/routes/RegisterPage') },
  { path: 'kkt-applications/:id', page: () => import('../features/kkt-registration/routes/KktApplicationPage') },
  { path: 'kkt-applications', page: () => import('../features/kkt-registration/routes/KktApplicationsPage') },
  { path: 'registers/:id/reregister', page: () => import('../features/kkt-registration/routes/ReregisterKktPage') },
  { path: 'registers/:id/deregister', page: () => import('../features/kkt-registration/routes/DeregisterKktPage') },
  { path: 'outlets', page: () => import('../features/outlets/routes/OutletsPage') },
  { path: 'receipts', page: () => import('../features/receipts/routes/ReceiptsPage') },
  { path: 'receipts/:fn/:fd', page: () => import('../features/receipts/routes/ReceiptPage') },
  { path: 'marking', page: () => import('../features/marking/routes/MarkingPage') },
  { path: 'shifts', page: () => import('../features/shifts/routes/ShiftsPage') },
  { path: 'shifts/:fn/:shiftNumber', page: () => import('../features/shifts/routes/ShiftPage') },
  { path: 'analytics', page: () => import('../features/analytics/routes/AnalyticsPage') },
  { path: 'analytics/:report', page: () => import('../features/analytics/routes/AnalyticsPage') },
  { path: 'exports', page: () => import('../features/exports/routes/ExportsPage') },
  { path: 'account/password', page: () => import('../features/auth/routes/ChangePasswordPage') },
  { path: 'account/signature', page: () => import('../features/auth/routes/SignatureIdentitiesPage') },
  // Self-service onboarding (issue 16).
  { path: 'onboarding/organization', page: () => import('../features/onboarding/routes/OrganizationNewPage') },
  { path: 'onboarding/registers', page: () => import('../features/onboarding/routes/PreparedRegistersPage') },
  { path: 'connection', page: () => import('../features/onboarding/routes/ConnectionPage') },
  { path: 'team', page: () => import('../features/onboarding/routes/TeamPage') },
  { path: 'audit-log', page: () => import('../features/onboarding/routes/AuditLogPage') },
  // Billing and the Маркет (issue 17).
  { path: 'billing', page: () => import('../features/billing/routes/BalancePage') },
  { path: 'billing/tariffs', page: () => import('../features/billing/routes/TariffsPage') },
  { path: 'billing/documents', page: () => import('../features/billing/routes/DocumentsPage') },
  { path: 'market', page: () => import('../features/billing/routes/MarketPage') },
  // Branded e-receipts (issue 17).
  { path: 'receipt-branding', page: () => import('../features/branding/routes/BrandingPage') },
  // The operator's area (issue 17): the tariff catalogue, bank statements and clients' money, for the operator's staff only.
  { path: 'operator/tariffs', page: () => import('../features/operator/routes/TariffCataloguePage'), operatorOnly: true },
  { path: 'operator/bank-statements', page: () => import('../features/operator/routes/BankStatementsPage'), operatorOnly: true },
  { path: 'operator/clients', page: () => import('../features/operator/routes/OperatorClientsPage'), operatorOnly: true },
];

export const menu: readonly MenuEntry[] = [
  { key: '/', label: 'Главная', icon: <HomeOutlined /> },
  { key: '/registers', label: 'Кассы', icon: <DesktopOutlined /> },
  { key: '/outlets', label: 'Торговые точки', icon: <ShopOutlined /> },
  {
    key: 'receipts-group',
    label: 'Чеки',
    icon: <FileTextOutlined />,
    children: [
      { key: '/receipts', label: 'Все чеки' },
      { key: '/marking', label: 'Маркировка' },
      { key: '/shifts', label: 'Закрытые смены' },
      { key: '/receipt-branding', label: 'Оформление чеков' },
    ],
  },
  { key: '/analytics', label: 'Аналитика', icon: <AreaChartOutlined /> },
  { key: '/exports', label: 'Выгрузки', icon: <CloudDownloadOutlined /> },
  {
    key: 'onboarding-group',
    label: 'Подключение',
    icon: <ApiOutlined />,
    children: [
      { key: '/onboarding/organization', label: 'Новая организация' },
      { key: '/onboarding/registers', label: 'Кассы к подключению' },
      { key: '/connection', label: 'Настройки подключения' },
    ],
  },
  {
    key: 'billing-group',
    label: 'Оплата',
    icon: <WalletOutlined />,
    children: [
      { key: '/billing', label: 'Баланс и оплата' },
      { key: '/billing/tariffs', label: 'Тарифы касс' },
      { key: '/billing/documents', label: 'Документы' },
      { key: '/market', label: 'Маркет' },
    ],
  },
  { key: '/team', label: 'Сотрудники', icon: <TeamOutlined /> },
  { key: '/audit-log', label: 'Журнал действий', icon: <HistoryOutlined /> },
  {
    key: 'operator-group',
    label: 'Оператор',
    icon: <SafetyCertificateOutlined />,
    operatorOnly: true,
    children: [
      { key: '/operator/tariffs', label: 'Тарифы' },
      { key: '/operator/bank-statements', label: 'Банковские выписки' },
      { key: '/operator/clients', label: 'Клиенты' },
    ],
  },
];

/** The menu a user sees: the operator's area only for the operator's staff. */
export function visibleMenu(operator: boolean): readonly MenuEntry[] {
  return operator ? menu : menu.filter((m) => m.operatorOnly !== true);
}

/** Pages a signed-out visitor may open (outside the layout). */
export const publicRoutes: readonly SectionRoute[] = [
  { path: 'sign-in', page: () => import('../features/auth/routes/SignInPage') },
  { path: 'sign-up', page: () => import('../features/auth/routes/SignUpPage') },
  { path: 'confirm-email', page: () => import('../features/auth/routes/ConfirmEmailPage') },
  { path: 'forgot-password', page: () => import('../features/auth/routes/ForgotPasswordPage') },
  { path: 'reset-password', page: () => import('../features/auth/routes/ResetPasswordPage') },
  { path: 'invitations/:token', page: () => import('../features/onboarding/routes/InvitationPage') },
];

/** The menu item a path belongs to (the longest matching key), for highlighting. */
export function selectedMenuKey(pathname: string): string {
  const keys = menu.flatMap((m) => (m.children ? m.children.map((c) => c.key) : [m.key]));
  return keys.filter((k) => (k === '/' ? pathname === '/' : pathname === k || pathname.startsWith(`${k}/`))).sort((a, b) => b.length - a.length)[0] ?? '/';
}
