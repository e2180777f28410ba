/**
 * Self-service onboarding (issue 16): the organization with the offer, INN claims, the team and invitations, registers
 * before their РНМ (several at once, the xlsx import), the connection settings and the action log.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';
import { failureFrom } from '../../../lib/api/errors';
import { REGISTERS_KEY } from '../../../lib/api/lookups';
import { sessionStore } from '../../../lib/api/session-store';

export type RegisterOrganizationBody = paths['/api/v1/organizations/register']['post']['requestBody']['content']['application/json'];
export type Prepared = paths['/api/v1/prepared-registers']['get']['responses'][200]['content']['application/json']['items'][number];
export type ImportReport = paths['/api/v1/organizations/{id}/register-imports/{importId}']['get']['responses'][200]['content']['application/json'];
export type Invitation = paths['/api/v1/organizations/{id}/invitations']['get']['responses'][200]['content']['application/json']['items'][number];
export type Role = Invitation['role'];

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function useOrganizations() {
  return useQuery({ queryKey: ['organizations'], queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations', { params: { query: { limit: 100 } }, signal })) });
}

export function useCurrentOffer() {
  return useQuery({ queryKey: ['offer', 'current'], queryFn: () => unwrap(api.GET('/api/v1/offers/current')), staleTime: 600_000 });
}

export function useRegisterOrganization() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: RegisterOrganizationBody) => unwrap(api.POST('/api/v1/organizations/register', { body })),
    // Memberships are read per request: the new organization shows at once everywhere.
    onSuccess: () => qc.invalidateQueries(),
  });
}

export function useFileClaim() {
  return useMutation({ mutationFn: (body: { inn: string; comment?: string }) => unwrap(api.POST('/api/v1/inn-claims', { body })) });
}

export function useClaims() {
  return useQuery({ queryKey: ['inn-claims'], queryFn: () => unwrap(api.GET('/api/v1/inn-claims', { params: { query: { limit: 100 } } })) });
}

export function useDecideClaim() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ claimId, approve, role }: { claimId: number; approve: boolean; role?: Role }) =>
      approve
        ? unwrap(api.POST('/api/v1/inn-claims/{claimId}/approve', { params: { path: { claimId } }, body: { role: role ?? 'owner' } }))
        : unwrap(api.POST('/api/v1/inn-claims/{claimId}/reject', { params: { path: { claimId } }, body: null })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['inn-claims'] }),
  });
}

export function useOrganizationOffer(organizationId: number | undefined) {
  return useQuery({
    queryKey: ['offer', organizationId],
    enabled: organizationId !== undefined,
    queryFn: () => unwrap(api.GET('/api/v1/organizations/{id}/offer', { params: { path: { id: organizationId! } } })),
  });
}

export function useAcceptOffer(organizationId: number | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (version: string) => unwrap(api.POST('/api/v1/organizations/{id}/offer-acceptances', { params: { path: { id: organizationId! } }, body: { version } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['offer', organizationId] }),
  });
}

export function useConnectionSettings() {
  return useQuery({ queryKey: ['connection-settings'], queryFn: () => unwrap(api.GET('/api/v1/connection-settings')), staleTime: 600_000 });
}

// ---- team ---------------------------------------------------------------------------------------------------------------

export function useMembers(organizationId: number | undefined) {
  return useQuery({
    queryKey: ['members', organizationId],
    enabled: organizationId !== undefined,
    queryFn: async () => {
      const path = { params: { path: { id: organizationId! } } };
      const [members, invitations, limits] = await Promise.all([
        unwrap(api.GET('/api/v1/organizations/{id}/members', path)),
        unwrap(api.GET('/api/v1/organizations/{id}/invitations', path)),
        unwrap(api.GET('/api/v1/organizations/{id}/member-limits', path)),
      ]);
      return { members: members.items, invitations: invitations.items, limits: new Map(limits.items.map((l) => [l.userId, l])) };
    },
  });
}

export function useInvite(organizationId: number | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; role: Role; outletIds: number[]; registerIds: number[] }) =>
      unwrap(api.POST('/api/v1/organizations/{id}/invitations', { params: { path: { id: organizationId! } }, body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['members', organizationId] }),
  });
}

export function useRevokeInvitation(organizationId: number | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (invitationId: number) => unwrap(api.DELETE('/api/v1/organizations/{id}/invitations/{invitationId}', { params: { path: { id: organizationId!, invitationId } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['members', organizationId] }),
  });
}

export function useInvitationPreview(token: string) {
  return useQuery({ queryKey: ['invitation', token], queryFn: () => unwrap(api.GET('/api/v1/invitations/{token}', { params: { path: { token } } })), retry: false });
}

export function useSignedIn() {
  return useQuery({
    queryKey: ['session'],
    queryFn: async () => {
      const r = await api.GET('/api/v1/auth/session');
      if (!r.response.ok) return null;
      sessionStore.setCsrfToken(r.data!.csrfToken);
      return r.data!;
    },
    staleTime: Infinity,
  });
}

export function useAcceptInvitation() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (token: string) => unwrap(api.POST('/api/v1/invitations/accept', { body: { token } })), onSuccess: () => qc.invalidateQueries() });
}

// ---- registers before their РНМ -----------------------------------------------------------------------------------------

export const PREPARED_KEY = ['prepared-registers'] as const;

export function usePrepared(organizationId: number | undefined) {
  return useQuery({
    queryKey: [...PREPARED_KEY, organizationId],
    enabled: organizationId !== undefined,
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET('/api/v1/prepared-registers', { params: { query: { organizationId, limit: 500 } } })),
  });
}

export function useAddPrepared() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { organizationId: number; outletId?: number; registers: Array<{ serialNumber: string; fn: string; partnerCode?: string }> }) =>
      unwrap(api.POST('/api/v1/prepared-registers', { body })),
    onSuccess: () => Promise.all([qc.invalidateQueries({ queryKey: PREPARED_KEY }), qc.invalidateQueries({ queryKey: REGISTERS_KEY })]),
  });
}

export function useSetStage() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, stage }: { id: number; stage: 'added' | 'awaiting_registration' }) => unwrap(api.PATCH('/api/v1/prepared-registers/{id}', { params: { path: { id } }, body: { stage } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: PREPARED_KEY }),
  });
}

/** The file goes as it is (the API reads xlsx bodies); openapi-fetch would serialise it as JSON. */
export function useImportRegisters(organizationId: number | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ file, validRowsOnly, outletId }: { file: File; validRowsOnly: boolean; outletId?: number }): Promise<ImportReport> => {
      const query = new URLSearchParams({ mode: validRowsOnly ? 'valid_rows' : 'all_or_nothing', fileName: file.name });
      if (outletId !== undefined) query.set('outletId', String(outletId));
      const headers: Record<string, string> = { 'content-type': XLSX };
      if (sessionStore.csrfToken !== null) headers['x-csrf-token'] = sessionStore.csrfToken;
      const r = await fetch(`/api/v1/organizations/${organizationId}/register-imports?${query}`, { method: 'POST', headers, body: file, credentials: 'same-origin' });
      const body: unknown = await r.json().catch(() => ({}));
      if (!r.ok) throw failureFrom(r.status, body);
      return body as ImportReport;
    },
    onSettled: () => Promise.all([qc.invalidateQueries({ queryKey: PREPARED_KEY }), qc.invalidateQueries({ queryKey: ['imports', organizationId] })]),
  });
}

export function useImports(organizationId: number | undefined) {
  return useQuery({
    queryKey: ['imports', organizationId],
    enabled: organizationId !== undefined,
    queryFn: () => unwrap(api.GET('/api/v1/organizations/{id}/register-imports', { params: { path: { id: organizationId! } } })),
  });
}

// ---- the action log -----------------------------------------------------------------------------------------------------

export function useAuditLog(organizationId: number | undefined, beforeId: number | undefined) {
  return useQuery({
    queryKey: ['audit-log', organizationId, beforeId],
    enabled: organizationId !== undefined,
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET('/api/v1/organizations/{id}/audit-log', { params: { path: { id: organizationId! }, query: { limit: 50, beforeId } } })),
  });
}
