/** KKT registration applications: prepare, sign and follow (src/api/routes/kkt-applications.routes.ts). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';

export type ApplicationInput = paths['/api/v1/organizations/{id}/kkt-applications']['post']['requestBody']['content']['application/json'];
export type Application = paths['/api/v1/kkt-applications/{id}']['get']['responses'][200]['content']['application/json'];
export type Organization = paths['/api/v1/organizations']['get']['responses'][200]['content']['application/json']['items'][number];

const FINAL = new Set(['completed', 'refused']);

export function useOrganizations() {
  return useQuery({ queryKey: ['organizations', 'all'], queryFn: () => unwrap(api.GET('/api/v1/organizations', { params: { query: { limit: 500 } } })) });
}

export function useApplication(id: number) {
  return useQuery({
    queryKey: ['kkt-application', id],
    queryFn: () => unwrap(api.GET('/api/v1/kkt-applications/{id}', { params: { path: { id } } })),
    // The status moves by itself (FNS answer, registration report): follow it until it is final.
    refetchInterval: (q) => (q.state.data && FINAL.has(q.state.data.status) ? false : 5000),
  });
}

export function useCreateApplication() {
  return useMutation({
    mutationFn: (v: { organizationId: number; body: ApplicationInput }) =>
      unwrap(api.POST('/api/v1/organizations/{id}/kkt-applications', { params: { path: { id: v.organizationId } }, body: v.body })),
  });
}

export function useSignApplication() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: number; signature: string }) => unwrap(api.POST('/api/v1/kkt-applications/{id}/signature', { params: { path: { id: v.id } }, body: { signature: v.signature } })),
    onSuccess: (a) => qc.setQueryData(['kkt-application', a.id], a),
  });
}

export const documentUrl = (id: number, name: string): string => `/api/v1/kkt-applications/${id}/documents/${name}`;

export type Prefill = paths['/api/v1/organizations/{id}/kkt-applications/prefill']['get']['responses'][200]['content']['application/json'];
export type ApplicationSummary = paths['/api/v1/organizations/{id}/kkt-applications']['get']['responses'][200]['content']['application/json']['items'][number];
export type KktModels = paths['/api/v1/kkt-models']['get']['responses'][200]['content']['application/json'];

/** What we know of a register, for a re-registration or deregistration (the last application, its reports). */
export function usePrefill(organizationId: number | null | undefined, kktRegId: string | undefined) {
  return useQuery({
    queryKey: ['kkt-prefill', organizationId, kktRegId],
    enabled: !!organizationId && !!kktRegId,
    queryFn: () => unwrap(api.GET('/api/v1/organizations/{id}/kkt-applications/prefill', { params: { path: { id: organizationId! }, query: { kktRegId: kktRegId! } } })),
  });
}

export function useKktModels() {
  return useQuery({ queryKey: ['kkt-models'], staleTime: Infinity, queryFn: () => unwrap(api.GET('/api/v1/kkt-models')) });
}

/** The organization's applications; followed while any is still moving. */
export function useApplications(organizationId: number | undefined) {
  return useQuery({
    queryKey: ['kkt-applications', organizationId],
    enabled: organizationId !== undefined,
    queryFn: () => unwrap(api.GET('/api/v1/organizations/{id}/kkt-applications', { params: { path: { id: organizationId! } } })),
    refetchInterval: (q) => (q.state.data?.items.some((a) => !FINAL.has(a.status)) ? 5000 : false),
  });
}
