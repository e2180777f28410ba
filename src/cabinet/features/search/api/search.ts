import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';

export type SearchHit = paths['/api/v1/search']['get']['responses'][200]['content']['application/json']['items'][number];

export function useSearch(q: string) {
  const query = q.trim();
  return useQuery({
    queryKey: ['search', query],
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/search', { params: { query: { q: query, limit: 20 } }, signal })),
    enabled: query.length >= 2,
    staleTime: 10_000,
  });
}

/** The cabinet page of what the API's `href` names; undefined for what the cabinet has no page for. */
export function cabinetPathOf(hit: SearchHit): string | undefined {
  const [path, search] = hit.href.split('?');
  let m: RegExpExecArray | null;
  if ((m = /^\/api\/v1\/documents\/(\d{16})\/(\d+)$/.exec(path ?? ''))) return `/receipts/${m[1]}/${m[2]}`;
  if ((m = /^\/api\/v1\/registers\/(\d+)$/.exec(path ?? ''))) return `/registers/${m[1]}`;
  if ((m = /^\/api\/v1\/fiscal-drives\/(\d{16})$/.exec(path ?? ''))) return `/receipts?fn=${m[1]}`;
  if ((m = /^\/api\/v1\/organizations\/(\d+)$/.exec(path ?? ''))) return `/registers?organizationId=${m[1]}`;
  if ((m = /^\/api\/v1\/organizations\/(\d+)\/members$/.exec(path ?? ''))) return `/team?organizationId=${m[1]}`;
  if ((m = /^\/api\/v1\/outlets\/(\d+)$/.exec(path ?? ''))) return `/registers?outletId=${m[1]}`;
  if (path === '/api/v1/documents') return `/receipts${search ? `?${search}` : ''}`;
  return undefined;
}
