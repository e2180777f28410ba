import { Select } from 'antd';
import { EmptyState } from '../../../components/QueryState';
import { useUrlOrganization } from '../../../lib/url-organization';
import { useOrganizations } from '../api/billing';

/** The organization whose money a page shows: `?organizationId=` in the URL, else the user's first. */
export function useBillingOrganization(): {
  organizationId: number | undefined;
  name: string | undefined;
  loading: boolean;
  none: boolean;
  choose: (id: number) => void;
} {
  const orgs = useOrganizations();
  const [organizationId, choose] = useUrlOrganization(orgs.data?.items);
  const org = orgs.data?.items.find((o) => o.id === organizationId);
  return { organizationId, name: org ? (org.name ?? `ИНН ${org.inn}`) : undefined, loading: orgs.isPending, none: orgs.data !== undefined && orgs.data.items.length === 0, choose };
}

/** Shown only to someone with two or more organizations. Changing it keeps the page, drops its other parameters. */
export function OrganizationPicker() {
  const orgs = useOrganizations();
  const { organizationId, choose } = useBillingOrganization();
  if ((orgs.data?.items.length ?? 0) < 2) return null;
  return (
    <Select
      aria-label="Организация"
      value={organizationId}
      onChange={choose}
      options={(orgs.data?.items ?? []).map((o) => ({ value: o.id, label: `${o.name ?? 'Организация'} (ИНН ${o.inn})` }))}
      style={{ minWidth: 260, maxWidth: '100%' }}
    />
  );
}

/** For a user without any organization yet: what to do first. */
export function NoOrganization() {
  return <EmptyState title="Нет организации" hint="Добавьте организацию в разделе «Подключение» → «Новая организация», чтобы пополнять баланс и оплачивать кассы." />;
}
