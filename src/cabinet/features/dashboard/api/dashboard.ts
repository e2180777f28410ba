import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../../lib/api/client';

/** Today and the month so far as local days (the documents' days are the registers' local ones). */
export function periods(now = new Date()): { today: string; monthStart: string } {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  return { today: day, monthStart: `${day.slice(0, 8)}01` };
}

export interface Takings {
  revenue: number;
  receipts: number;
  averageCheck: number | null;
}

/** Revenue (sales less returns), sale receipts and the average check over local days, from the `outlets` report. */
export function useTakings(from: string, to: string) {
  return useQuery({
    queryKey: ['takings', from, to],
    queryFn: async ({ signal }): Promise<Takings> => {
      const r = await unwrap(api.GET('/api/v1/reports/{name}', { params: { path: { name: 'outlets' }, query: { from, to, format: 'json' } }, signal }));
      const revenue = r.totals['revenue'] ?? 0;
      const receipts = r.totals['sellReceipts'] ?? 0;
      return { revenue, receipts, averageCheck: receipts > 0 ? Math.round((r.totals['sellSum'] ?? 0) / receipts) : null };
    },
  });
}

/** How many documents match (up to 50: "50+" beyond), for the "needs action" list. */
export function useDocumentCount(query: { flkStatus?: 'failed'; fnsStatus?: 'rejected' }) {
  return useQuery({
    queryKey: ['document-count', query],
    queryFn: async ({ signal }) => (await unwrap(api.GET('/api/v1/documents', { params: { query: { ...query, limit: 50 } }, signal }))).items.length,
  });
}
