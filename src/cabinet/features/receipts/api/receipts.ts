import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';
import { toDocumentQuery, type ReceiptFilters } from '../lib/receipt-filters';

type DocumentsQuery = NonNullable<paths['/api/v1/documents']['get']['parameters']['query']>;
export type ReceiptSummary = paths['/api/v1/documents']['get']['responses'][200]['content']['application/json']['items'][number];
export type ReceiptDetail = paths['/api/v1/documents/{fn}/{fd}']['get']['responses'][200]['content']['application/json'];
export type Delivery = paths['/api/v1/documents/{fn}/{fd}/deliveries']['get']['responses'][200]['content']['application/json']['items'][number];

export function useReceipts(filters: ReceiptFilters) {
  const query = toDocumentQuery(filters) as DocumentsQuery;
  return useQuery({
    queryKey: ['documents', query],
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/documents', { params: { query }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useReceipt(fn: string, fd: number) {
  return useQuery({
    queryKey: ['document', fn, fd],
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/documents/{fn}/{fd}', { params: { path: { fn, fd } }, signal })),
  });
}

export function useDeliveries(fn: string, fd: number) {
  return useQuery({
    queryKey: ['deliveries', fn, fd],
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/documents/{fn}/{fd}/deliveries', { params: { path: { fn, fd } }, signal })),
    // While a delivery is on its way, its status is worth watching.
    refetchInterval: (q) => (q.state.data?.items.some((d) => ['pending', 'queued', 'sending', 'retrying'].includes(d.status)) ? 2000 : false),
  });
}

export function useSendReceipt(fn: string, fd: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { channel: 'email' | 'sms' | 'viber'; recipient: string }) =>
      unwrap(api.POST('/api/v1/documents/{fn}/{fd}/deliveries', { params: { path: { fn, fd } }, body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['deliveries', fn, fd] }),
  });
}
