/**
 * Выгрузки: the organization's export files — asked for by hand (receipts, a period's receipts) or made by the
 * schedules — with their progress while the exports worker writes them, the e-mail's fate and a download; and the
 * schedules themselves.
 */
import { Alert, Select } from 'antd';
import { Link } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { useAllOrganizations } from '../../../lib/api/lookups';
import { useExportList } from '../../../lib/api/exports';
import { useUrlFilters } from '../../../lib/url-filters';
import { ExportJobsTable } from '../components/ExportJobsTable';
import { SettingsCard } from '../components/SettingsCard';

const SPEC = { organizationId: 'int' } as const;

export default function ExportsPage() {
  const [filters, setFilters] = useUrlFilters(SPEC);
  const orgs = useAllOrganizations();
  const items = orgs.data?.items ?? [];
  const organizationId = filters.organizationId ?? items[0]?.id;
  const jobs = useExportList(organizationId);

  return (
    <>
      <PageHeader
        title="Выгрузки"
        extra={
          items.length > 1 ? (
            <Select aria-label="Организация" style={{ minWidth: 240 }} value={organizationId} options={items.map((o) => ({ value: o.id, label: o.name ?? `ИНН ${o.inn}` }))} onChange={(v: number) => setFilters({ organizationId: v })} />
          ) : null
        }
      />
      {orgs.isPending ? null : organizationId === undefined ? (
        <EmptyState title="Нет организаций" hint="Выгрузки появятся, когда вас добавят в организацию." />
      ) : (
        <>
          <SettingsCard organizationId={organizationId} />
          <QueryState
            query={jobs}
            isEmpty={(d) => d.items.length === 0}
            empty={<EmptyState title="Выгрузок ещё нет" hint={<>Выгрузите чеки из раздела <Link to="/receipts">Чеки</Link> или <Link to="/analytics">Аналитика</Link>, либо настройте автоматическую выгрузку выше.</>} />}
          >
            {(d) => <ExportJobsTable rows={d.items} />}
          </QueryState>
          {jobs.error ? <Alert type="info" title="Список выгрузок доступен ролям с правом выгрузки отчётов." /> : null}
        </>
      )}
    </>
  );
}
