/**
 * The organization a page works on: `?organizationId=` in the URL, else the user's first (written to the URL once the
 * list arrives, so a link reproduces the view). Each feature passes its own query of the organizations.
 */
import { useEffect } from 'react';
import { useUrlFilters } from './url-filters';

const FILTERS = { organizationId: 'int' } as const;

export function useUrlOrganization(organizations: readonly { id: number }[] | undefined): [number | undefined, (id: number) => void] {
  const [f, setF] = useUrlFilters(FILTERS);
  const first = organizations?.[0]?.id;
  useEffect(() => {
    if (f.organizationId === undefined && first !== undefined) setF({ organizationId: first });
  }, [f.organizationId, first, setF]);
  return [f.organizationId ?? first, (organizationId) => setF({ organizationId })];
}
