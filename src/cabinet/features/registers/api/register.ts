import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';
import { isAboutRegister } from '../lib/register-notifications';

export type RegisterDetail = paths['/api/v1/registers/{id}']['get']['responses'][200]['content']['application/json'];
export type RegisterNotification = paths['/api/v1/organizations/{id}/notifications']['get']['responses'][200]['content']['application/json']['items'][number];

export function useRegister(id: number) {
  return useQuery({ queryKey: ['register', id], queryFn: ({ signal }) => unwrap(api.GET('/api/v1/registers/{id}', { params: { path: { id } }, signal })) });
}

/** The register's newest shift (open or closed). */
export function useCurrentShift(registerId: number) {
  return useQuery({
    queryKey: ['shifts', 'current', registerId],
    queryFn: async ({ signal }) => (await unwrap(api.GET('/api/v1/shifts', { params: { query: { registerId, limit: 1 } }, signal }))).items[0] ?? null,
  });
}

export function useLastDocuments(registerId: number) {
  return useQuery({
    queryKey: ['documents', 'register', registerId],
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/documents', { params: { query: { registerId, limit: 10 } }, signal })),
  });
}

/** The organization's notifications about this register, its fiscal drives or its registration applications. */
export function useRegisterNotifications(organizationId: number | null, registerId: number, fns: readonly string[], registrationNumber?: string) {
  return useQuery({
    queryKey: ['notifications', organizationId, registerId, fns, registrationNumber],
    enabled: organizationId !== null,
    queryFn: async ({ signal }) => {
      const all = await unwrap(api.GET('/api/v1/organizations/{id}/notifications', { params: { path: { id: organizationId! }, query: { limit: 200 } }, signal }));
      return all.items.filter((n) => isAboutRegister(n, { id: registerId, fns, registrationNumber }));
    },
  });
}
