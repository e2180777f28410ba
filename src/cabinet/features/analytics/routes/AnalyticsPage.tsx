/**
 * Аналитика: one screen per report (/analytics/<report>), the shared filters in the URL (period, organization, outlet,
 * register — a link reproduces the view; switching reports keeps them), downloads of each report and of the period's
 * receipts (in the background, to «Выгрузки»).
 */
import { Collapse, Tabs, Typography } from 'antd';
import type { ComponentType } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import { BackgroundExport } from '../../../components/BackgroundExport';
import { PageHeader } from '../../../components/PageHeader';
import { useAllOrganizations } from '../../../lib/api/lookups';
import { useUrlFilters } from '../../../lib/url-filters';
import { FiltersBar } from '../components/FiltersBar';
import { REPORTS, reportEntry, type ReportEntry } from '../lib/catalogue';
import { ANALYTICS_FILTERS, reportQuery } from '../lib/filters';
import { localToday, periodLabel, resolvePeriod } from '../lib/period';
import AbcXyzScreen from '../screens/AbcXyzScreen';
import type { ScreenContext } from '../screens/context';
import FnScheduleScreen from '../screens/FnScheduleScreen';
import HoursScreen from '../screens/HoursScreen';
import OutletsScreen from '../screens/OutletsScreen';
import PaymentTypesScreen from '../screens/PaymentTypesScreen';
import ShiftsScreen from '../screens/ShiftsScreen';
import TaxSystemsScreen from '../screens/TaxSystemsScreen';
import UnsentScreen from '../screens/UnsentScreen';
import VatScreen from '../screens/VatScreen';
import ZReportScreen from '../screens/ZReportScreen';
import { NotFoundPage } from '../../../app/NotFoundPage';

const SCREENS: Record<ReportEntry['name'], ComponentType<ScreenContext>> = {
  'payment-types': PaymentTypesScreen,
  outlets: OutletsScreen,
  'abc-xyz': AbcXyzScreen,
  'z-report': ZReportScreen,
  shifts: ShiftsScreen,
  hours: HoursScreen,
  'tax-systems': TaxSystemsScreen,
  vat: VatScreen,
  'fn-schedule': FnScheduleScreen,
  unsent: UnsentScreen,
};

export default function AnalyticsPage() {
  const { report: slug } = useParams();
  const entry = reportEntry(slug);
  const navigate = useNavigate();
  const location = useLocation();
  const [filters, setFilters] = useUrlFilters(ANALYTICS_FILTERS);
  const orgs = useAllOrganizations();
  if (!entry) return <NotFoundPage />;
  const today = localToday();
  const period = resolvePeriod(filters, today);
  const ctx: ScreenContext = { filters, period, query: reportQuery(filters, period) };
  const Screen = SCREENS[entry.name];
  const onlyOrg = orgs.data?.items.length === 1 ? orgs.data.items[0]!.id : undefined;
  const organizationId = filters.organizationId ?? onlyOrg;

  return (
    <>
      <PageHeader title={entry.title}>
        <Typography.Paragraph type="secondary" style={{ margin: '4px 0 0' }}>
          {entry.hint} {entry.periodless ? 'Текущее состояние, период не влияет.' : `Период: ${periodLabel(period)}.`}
        </Typography.Paragraph>
      </PageHeader>
      <Tabs
        activeKey={entry.name}
        onChange={(key) => void navigate({ pathname: `/analytics/${key}`, search: location.search })}
        items={REPORTS.map((r) => ({ key: r.name, label: r.tab }))}
        size="small"
      />
      <FiltersBar filters={filters} period={period} today={today} onChange={setFilters} periodless={entry.periodless} />
      <Screen {...ctx} />
      {entry.periodless ? null : (
        <Collapse
          style={{ marginTop: 16 }}
          size="small"
          items={[
            {
              key: 'receipts',
              label: 'Выгрузить чеки периода (в фоне, файл придёт в «Выгрузки» и на почту)',
              children: (
                <BackgroundExport
                  organizationId={organizationId}
                  label="Чеки периода"
                  content="receipt_items"
                  filters={{
                    dateFrom: `${period.from}T00:00:00`,
                    dateTo: `${period.to}T23:59:59`,
                    ...(filters.outletId !== undefined ? { outletId: filters.outletId } : {}),
                    ...(filters.registerId !== undefined ? { registerId: filters.registerId } : {}),
                  }}
                />
              ),
            },
          ]}
        />
      )}
    </>
  );
}
