import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';

type Query = NonNullable<paths['/api/v1/marking-codes']['get']['parameters']['query']>;
export type MarkingCode = paths['/api/v1/marking-codes']['get']['responses'][200]['content']['application/json']['items'][number];

export function useMarkingCodes(query: Query) {
  return useQuery({
    queryKey: ['marking-codes', query],
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/marking-codes', { params: { query }, signal })),
    placeholderData: keepPreviousData,
  });
}
