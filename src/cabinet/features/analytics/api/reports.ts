import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';

type ReportOp = paths['/api/v1/reports/{name}']['get'];
export type ReportName = ReportOp['parameters']['path']['name'];
export type Report = ReportOp['responses'][200]['content']['application/json'];
export type ReportColumn = Report['columns'][number];
export type ReportRow = Report['items'][number];
export type ReportQuery = { from?: string; to?: string; organizationId?: number; outletId?: number; registerId?: number };

/** A report as JSON; the previous figures stay on screen while a new period loads. */
export function useReport(name: ReportName, query: ReportQuery) {
  return useQuery({
    queryKey: ['report', name, query],
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/reports/{name}', { params: { path: { name }, query: { ...query, format: 'json' } }, signal })),
    placeholderData: keepPreviousData,
  });
}

/** The address of a report's file (the same filters), for the download buttons. */
export function reportFileUrl(name: ReportName, query: ReportQuery, format: 'csv' | 'xlsx'): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  q.set('format', format);
  return `/api/v1/reports/${name}?${q.toString()}`;
}
