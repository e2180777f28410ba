import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../../lib/api/client';
import { OUTLETS_KEY, REGISTERS_KEY } from '../../../lib/api/lookups';

export function useOrganizations() {
  return useQuery({ queryKey: ['organizations'], queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations', { params: { query: { limit: 100 } }, signal })) });
}

export function useOutletMutations() {
  const qc = useQueryClient();
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: OUTLETS_KEY }), qc.invalidateQueries({ queryKey: REGISTERS_KEY })]);
  return {
    create: useMutation({
      mutationFn: (body: { organizationId: number; address: string; place: string }) => unwrap(api.POST('/api/v1/outlets', { body })),
      onSuccess: refresh,
    }),
    rename: useMutation({
      mutationFn: ({ id, ...body }: { id: number; address: string; place: string }) => unwrap(api.PATCH('/api/v1/outlets/{id}', { params: { path: { id } }, body })),
      onSuccess: refresh,
    }),
    move: useMutation({
      mutationFn: ({ registerId, outletId }: { registerId: number; outletId: number | null }) =>
        unwrap(api.PATCH('/api/v1/registers/{id}', { params: { path: { id: registerId } }, body: { outletId } })),
      onSuccess: refresh,
    }),
  };
}
