import { Select } from 'antd';
import { useEffect } from 'react';
import { useUrlFilters } from '../../../lib/url-filters';
import { useOrganizations } from '../api/onboarding';

const FILTERS = { organizationId: 'int' } as const;

/** The organization a page works on: `?organizationId=` in the URL, else the first one the user has. */
export function useChosenOrganization(): { organizationId: number | undefined; setOrganizationId: (id: number) => void; loading: boolean } {
  const [f, setF] = useUrlFilters(FILTERS);
  const orgs = useOrganizations();
  const first = orgs.data?.items[0]?.id;
  useEffect(() => {
    if (f.organizationId === undefined && first !== undefined) setF({ organizationId: first });
  }, [f.organizationId, first, setF]);
  return { organizationId: f.organizationId ?? first, setOrganizationId: (organizationId) => setF({ organizationId }), loading: orgs.isPending };
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
