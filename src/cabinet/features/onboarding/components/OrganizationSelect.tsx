import { Select } from 'antd';
import { useUrlOrganization } from '../../../lib/url-organization';
import { useOrganizations } from '../api/onboarding';

/** The organization a page works on: `?organizationId=` in the URL, else the first one the user has. */
export function useChosenOrganization(): { organizationId: number | undefined; setOrganizationId: (id: number) => void; loading: boolean } {
  const orgs = useOrganizations();
  const [organizationId, setOrganizationId] = useUrlOrganization(orgs.data?.items);
  return { organizationId, setOrganizationId, loading: orgs.isPending };
}

export function OrganizationSelect() {
  const orgs = useOrganizations();
  const { organizationId, setOrganizationId } = useChosenOrganization();
  if ((orgs.data?.items.length ?? 0) < 2) return null;
  return (
    <Select
      aria-label="Организация"
      value={organizationId}
      onChange={setOrganizationId}
      options={(orgs.data?.items ?? []).map((o) => ({ value: o.id, label: `${o.name ?? 'Организация'} (ИНН ${o.inn})` }))}
      style={{ minWidth: 280 }}
    />
  );
}
