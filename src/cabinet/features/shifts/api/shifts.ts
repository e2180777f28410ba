import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';

type Query = NonNullable<paths['/api/v1/shifts']['get']['parameters']['query']>;
export type Shift = paths['/api/v1/shifts']['get']['responses'][200]['content']['application/json']['items'][number];
export type ZReport = paths['/api/v1/shifts/{fn}/{shiftNumber}/z-report']['get']['responses'][200]['content']['application/json'];

export function useShifts(query: Query) {
  return useQuery({
    queryKey: ['shifts', query],
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/shifts', { params: { query }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useZReport(fn: string, shiftNumber: number) {
  return useQuery({
    queryKey: ['z-report', fn, shiftNumber],
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/shifts/{fn}/{shiftNumber}/z-report', { params: { path: { fn, shiftNumber } }, signal })),
  });
}
