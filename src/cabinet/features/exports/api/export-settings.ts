import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';

type SettingsOp = paths['/api/v1/organizations/{id}/export-settings'];
export type ExportSetting = SettingsOp['get']['responses'][200]['content']['application/json']['items'][number];
export type ExportSettingInput = SettingsOp['put']['requestBody']['content']['application/json']['items'][number];

const key = (organizationId: number | undefined) => ['export-settings', organizationId] as const;

export function useExportSettings(organizationId: number | undefined) {
  return useQuery({
    queryKey: key(organizationId),
    enabled: organizationId !== undefined,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations/{id}/export-settings', { params: { path: { id: organizationId! } }, signal })),
  });
}

/** The API replaces the whole list: every change sends all the settings. */
export function useSaveExportSettings(organizationId: number | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (items: ExportSettingInput[]) => unwrap(api.PUT('/api/v1/organizations/{id}/export-settings', { params: { path: { id: organizationId! } }, body: { items } })),
    onSuccess: (data) => qc.setQueryData(key(organizationId), data),
  });
}
