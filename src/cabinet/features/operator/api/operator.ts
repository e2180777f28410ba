/**
 * The operator's API (issue 17): the tariff catalogue (withdrawn tariffs included), bank statement import and the
 * payments no invoice matched, the organization lookup and the manual top-up. The API refuses these to anyone but the
 * operator's staff.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';
import { ApiFailure, failureFrom } from '../../../lib/api/errors';
import { sessionStore } from '../../../lib/api/session-store';

export type CatalogueTariff = paths['/api/v1/tariffs']['get']['responses'][200]['content']['application/json']['items'][number];
export type NewTariff = paths['/api/v1/tariffs']['post']['requestBody']['content']['application/json'];
export type TariffChange = paths['/api/v1/tariffs/{id}']['put']['requestBody']['content']['application/json'];
export type ImportResult = paths['/api/v1/billing/bank-statements']['post']['responses'][200]['content']['application/json'];
export type ImportedPayment = ImportResult['payments'][number];
export type UnmatchedPayment = paths['/api/v1/billing/bank-statements/unmatched']['get']['responses'][200]['content']['application/json']['items'][number];
export type StatementFormat = '1c' | 'csv';
export type FoundOrganization = paths['/api/v1/operator/organizations']['get']['responses'][200]['content']['application/json']['items'][number];
export type ManualTopUp = paths['/api/v1/organizations/{id}/operator-top-ups']['post']['requestBody']['content']['application/json'];

const CATALOGUE_KEY = ['operator', 'tariffs'] as const;
const UNMATCHED_KEY = ['operator', 'unmatched'] as const;
const ORGANIZATIONS_KEY = ['operator', 'organizations'] as const;
/** The lookup needs this many characters: fewer would list half the customers. */
export const LOOKUP_MIN = 2;

export function useTariffCatalogue() {
  return useQuery({ queryKey: CATALOGUE_KEY, queryFn: ({ signal }) => unwrap(api.GET('/api/v1/tariffs', { params: { query: { all: 'true' } }, signal })) });
}

/** After a change the customers' price list (['billing'] keys) may differ too. */
function useAfterCatalogueChange() {
  const qc = useQueryClient();
  return () => Promise.all([qc.invalidateQueries({ queryKey: CATALOGUE_KEY }), qc.invalidateQueries({ queryKey: ['billing'] })]);
}

export function useCreateTariff() {
  const after = useAfterCatalogueChange();
  return useMutation({ mutationFn: (body: NewTariff) => unwrap(api.POST('/api/v1/tariffs', { body })), onSuccess: after });
}

export function useUpdateTariff() {
  const after = useAfterCatalogueChange();
  return useMutation({
    mutationFn: (v: { id: number; body: TariffChange }) => unwrap(api.PUT('/api/v1/tariffs/{id}', { params: { path: { id: v.id } }, body: v.body })),
    onSuccess: after,
  });
}

export function useUnmatchedPayments() {
  return useQuery({ queryKey: UNMATCHED_KEY, queryFn: ({ signal }) => unwrap(api.GET('/api/v1/billing/bank-statements/unmatched', { signal })) });
}

/**
 * Sends the file as it is (the server decodes UTF-8 or Windows-1251) with upload progress, which fetch cannot report:
 * hence XMLHttpRequest, with the same cookie and CSRF token as every cabinet write.
 */
export function uploadStatement(file: Blob, format: StatementFormat, onProgress: (percent: number) => void): Promise<ImportResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/billing/bank-statements?format=${format}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    const csrf = sessionStore.csrfToken;
    if (csrf !== null) xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onerror = () => reject(new ApiFailure(0, 'NETWORK', 'upload failed'));
    xhr.onload = () => {
      let body: unknown = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // A proxy's HTML error page: failureFrom turns the status into what to do.
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as ImportResult);
      else {
        const failure = failureFrom(xhr.status, body);
        if (failure.code === 'UNAUTHENTICATED') sessionStore.ended();
        reject(failure);
      }
    };
    xhr.send(file);
  });
}

export function useImportStatement() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { file: Blob; format: StatementFormat; onProgress: (percent: number) => void }) => uploadStatement(v.file, v.format, v.onProgress),
    // Matched payments changed balances and invoices; unmatched ones joined the list.
    onSettled: () => Promise.all([qc.invalidateQueries({ queryKey: UNMATCHED_KEY }), qc.invalidateQueries({ queryKey: ['billing'] })]),
  });
}

/** Organizations by INN prefix or part of the name, with balances; idle until the query is long enough. */
export function useOrganizationLookup(q: string) {
  const query = q.trim();
  return useQuery({
    queryKey: [...ORGANIZATIONS_KEY, query],
    enabled: query.length >= LOOKUP_MIN,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/operator/organizations', { params: { query: { q: query, limit: 20 } }, signal })),
  });
}

export function useManualTopUp() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { organizationId: number; body: ManualTopUp }) =>
      unwrap(api.POST('/api/v1/organizations/{id}/operator-top-ups', { params: { path: { id: v.organizationId } }, body: v.body })),
    // The lookup shows balances; the customer's own billing pages too, if the staff is also a member.
    onSuccess: () => Promise.all([qc.invalidateQueries({ queryKey: ORGANIZATIONS_KEY }), qc.invalidateQueries({ queryKey: ['billing'] })]),
  });
}
