import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';

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

/** The organization's notifications about this register or its fiscal drives. */
export function useRegisterNotifications(organizationId: number | null, registerId: number, fns: readonly string[]) {
  return useQuery({
    queryKey: ['notifications', organizationId, registerId, fns],
    enabled: organizationId !== null,
    queryFn: async ({ signal }) => {
      const all = await unwrap(api.GET('/api/v1/organizations/{id}/notifications', { params: { path: { id: organizationId! }, query: { limit: 200 } }, signal }));
      const subjects = new Set([`register:${registerId}`, ...fns.map((fn) => `fn:${fn}`)]);
      return all.items.filter((n) => subjects.has(n.subject) || fns.some((fn) => n.subject.startsWith(`document:${fn}:`)));
    },
  });
}
