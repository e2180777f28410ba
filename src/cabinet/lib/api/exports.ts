/**
 * Background exports (POST /organizations/{id}/exports → GET /exports/{id} until done): shared by Аналитика, Чеки and
 * the Выгрузки list, so features need not import each other.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type paths } from './client';

type CreateOp = paths['/api/v1/organizations/{id}/exports']['post'];
export type ExportJob = CreateOp['responses'][202]['content']['application/json'];
export type ExportRequest = CreateOp['requestBody']['content']['application/json'];

export const EXPORTS_KEY = ['exports'] as const;
const FINAL = new Set(['done', 'failed', 'expired']);

export function useCreateExport() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ organizationId, body }: { organizationId: number; body: ExportRequest }) => unwrap(api.POST('/api/v1/organizations/{id}/exports', { params: { path: { id: organizationId } }, body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: EXPORTS_KEY }),
  });
}

/** A job's status, asked again every second until it is done or failed. */
export function useExportJob(id: number | undefined) {
  return useQuery({
    queryKey: [...EXPORTS_KEY, 'job', id],
    enabled: id !== undefined,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/exports/{id}', { params: { path: { id: id! } }, signal })),
    refetchInterval: (q) => (q.state.data && FINAL.has(q.state.data.status) ? false : 1000),
  });
}

/** The organization's Выгрузки, newest first; refreshed every 3 s while any is still running. */
export function useExportList(organizationId: number | undefined) {
  return useQuery({
    queryKey: [...EXPORTS_KEY, 'list', organizationId],
    enabled: organizationId !== undefined,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations/{id}/exports', { params: { path: { id: organizationId! }, query: { limit: 100 } }, signal })),
    refetchInterval: (q) => (q.state.data?.items.some((j) => !FINAL.has(j.status)) ? 3000 : false),
  });
}

export const EXPORT_STATUS: Record<ExportJob['status'], string> = { queued: 'В очереди', running: 'Формируется', done: 'Готово', failed: 'Ошибка', expired: 'Удалена по сроку хранения' };
export const EXPORT_CONTENT: Record<ExportJob['content'], string> = { receipts: 'Чеки', receipt_items: 'Чеки с предметами расчёта', shift_summary: 'Сводка по сменам' };
