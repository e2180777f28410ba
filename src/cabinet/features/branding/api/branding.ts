/** «Оформление чеков»: the organization's e-receipt brand, its logo, banner pictures and a live preview (POST …/receipt-brand/preview). */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';
import { failureFrom } from '../../../lib/api/errors';
import { sessionStore } from '../../../lib/api/session-store';

export type Brand = paths['/api/v1/organizations/{id}/receipt-brand']['get']['responses'][200]['content']['application/json'];
export type BrandInput = paths['/api/v1/organizations/{id}/receipt-brand']['put']['requestBody']['content']['application/json'];
export type BannerPicture = paths['/api/v1/organizations/{id}/receipt-brand/banner-images']['post']['responses'][201]['content']['application/json'];

const brandKey = (id: number | undefined) => ['receipt-brand', id] as const;

export function useOrganizations() {
  return useQuery({ queryKey: ['organizations'], queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations', { params: { query: { limit: 100 } }, signal })) });
}

export type BrandedService = paths['/api/v1/organizations/{id}/branded-receipts']['get']['responses'][200]['content']['application/json'];

/** Whether buyers get the brand now (the branded e-receipt service is paid in the Маркет) and until when. */
export function useBrandedService(organizationId: number | undefined) {
  return useQuery({
    queryKey: ['receipt-brand-service', organizationId],
    enabled: organizationId !== undefined,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations/{id}/branded-receipts', { params: { path: { id: organizationId! } }, signal })),
  });
}

export function useBrand(organizationId: number | undefined) {
  return useQuery({
    queryKey: brandKey(organizationId),
    enabled: organizationId !== undefined,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations/{id}/receipt-brand', { params: { path: { id: organizationId! } }, signal })),
  });
}

export function useSaveBrand(organizationId: number | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: BrandInput) => unwrap(api.PUT('/api/v1/organizations/{id}/receipt-brand', { params: { path: { id: organizationId! } }, body })),
    onSuccess: (data) => qc.setQueryData(brandKey(organizationId), data),
  });
}

export function useResetBrand(organizationId: number | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/organizations/{id}/receipt-brand', { params: { path: { id: organizationId! } } })),
    onSuccess: (data) => qc.setQueryData(brandKey(organizationId), data),
  });
}

/** The image goes as it is (the API checks its bytes); openapi-fetch would serialise it as JSON. */
export function useUploadLogo(organizationId: number | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (file: File): Promise<Brand> => {
      const headers: Record<string, string> = { 'content-type': file.type || 'application/octet-stream' };
      if (sessionStore.csrfToken !== null) headers['x-csrf-token'] = sessionStore.csrfToken;
      const r = await fetch(`/api/v1/organizations/${organizationId}/receipt-brand/logo`, { method: 'PUT', headers, body: file, credentials: 'same-origin' });
      const body: unknown = await r.json().catch(() => ({}));
      if (!r.ok) throw failureFrom(r.status, body);
      return body as Brand;
    },
    onSuccess: (data) => qc.setQueryData(brandKey(organizationId), data),
  });
}

/** A banner picture, uploaded for the draft: banners show it once the brand is saved naming it (the preview at once). */
export function useUploadBannerImage(organizationId: number | undefined) {
  return useMutation({
    mutationFn: async (file: File): Promise<BannerPicture> => {
      const headers: Record<string, string> = { 'content-type': file.type || 'application/octet-stream' };
      if (sessionStore.csrfToken !== null) headers['x-csrf-token'] = sessionStore.csrfToken;
      const r = await fetch(`/api/v1/organizations/${organizationId}/receipt-brand/banner-images`, { method: 'POST', headers, body: file, credentials: 'same-origin' });
      const body: unknown = await r.json().catch(() => ({}));
      if (!r.ok) throw failureFrom(r.status, body);
      return body as BannerPicture;
    },
  });
}

export const bannerPictureUrl = (organizationId: number, id: string) => `/api/v1/organizations/${organizationId}/receipt-brand/banner-images/${id}`;

export function useRemoveLogo(organizationId: number | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/organizations/{id}/receipt-brand/logo', { params: { path: { id: organizationId! } } })),
    onSuccess: (data) => qc.setQueryData(brandKey(organizationId), data),
  });
}

/**
 * The sample receipt in a draft brand, as HTML. Keyed by the draft, so typing re-renders it (the page debounces the
 * draft); the stored logo is shown, so a new upload changes the preview too (`logoVersion`).
 */
export function usePreview(organizationId: number | undefined, draft: BrandInput | undefined, logoVersion: string) {
  return useQuery<string>({
    queryKey: ['receipt-brand-preview', organizationId, draft, logoVersion],
    enabled: organizationId !== undefined && draft !== undefined,
    // While the next preview renders (or the draft is incomplete), the last one stays on screen.
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (sessionStore.csrfToken !== null) headers['x-csrf-token'] = sessionStore.csrfToken;
      const r = await fetch(`/api/v1/organizations/${organizationId}/receipt-brand/preview`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ brand: draft }),
        credentials: 'same-origin',
        signal,
      });
      if (!r.ok) throw failureFrom(r.status, await r.json().catch(() => ({})));
      return r.text();
    },
  });
}

export type PhoneChannel = 'sms' | 'viber';

export function useReceiptSettings(organizationId: number | undefined) {
  return useQuery({
    queryKey: ['receipt-settings', organizationId],
    enabled: organizationId !== undefined,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations/{id}/receipt-settings', { params: { path: { id: organizationId! } }, signal })),
  });
}

export function useSaveReceiptSettings(organizationId: number | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (phoneChannel: PhoneChannel) =>
      unwrap(api.PUT('/api/v1/organizations/{id}/receipt-settings', { params: { path: { id: organizationId! } }, body: { phoneChannel } })),
    onSuccess: (data) => qc.setQueryData(['receipt-settings', organizationId], data),
  });
}
