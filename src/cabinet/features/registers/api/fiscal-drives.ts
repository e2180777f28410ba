import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';

export type FiscalDrive = paths['/api/v1/fiscal-drives']['get']['responses'][200]['content']['application/json']['items'][number];

/** Every fiscal drive the caller sees (up to 500), by FN: the list shows each register's current FN and its expiry. */
export function useFiscalDrivesByFn() {
  return useQuery({
    queryKey: ['fiscal-drives', 'all'],
    queryFn: async ({ signal }) => {
      const page = await unwrap(api.GET('/api/v1/fiscal-drives', { params: { query: { limit: 500 } }, signal }));
      return new Map(page.items.map((d) => [d.fn, d]));
    },
  });
}
