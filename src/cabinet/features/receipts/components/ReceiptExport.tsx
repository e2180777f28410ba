/**
 * The list's receipts, with its filters, as a file: streamed now (the bytes show as they come) or, for a large list,
 * as a background job whose progress shows here and whose file stays in «Выгрузки» (and comes by e-mail).
 */
import { Collapse, Space, Typography } from 'antd';
import { BackgroundExport } from '../../../components/BackgroundExport';
import { DownloadButtons } from '../../../components/DownloadButtons';
import { useAllOrganizations } from '../../../lib/api/lookups';
import type { ReceiptFilters } from '../lib/receipt-filters';

function exportFilters(f: ReceiptFilters): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(f)) if (k !== 'cursor' && k !== 'organizationId' && v !== undefined && v !== '') out[k] = v;
  out.form ??= 'receipt';
  return out;
}

export function ReceiptExport({ filters }: { filters: ReceiptFilters }) {
  const orgs = useAllOrganizations();
  const only = orgs.data?.items.length === 1 ? orgs.data.items[0]!.id : undefined;
  const organizationId = filters.organizationId ?? only;
  const query = exportFilters(filters);
  const urlOf = (format: 'csv' | 'xlsx') => {
    const q = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    if (filters.organizationId !== undefined) q.set('organizationId', String(filters.organizationId));
    q.set('format', format);
    return `/api/v1/documents/export?${q.toString()}`;
  };
  return (
    <Collapse
      size="small"
      style={{ marginBottom: 16 }}
      items={[
        {
          key: 'export',
          label: 'Выгрузить чеки списка (Excel, CSV)',
          children: (
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Typography.Text>Сейчас, с фильтрами списка — для списков до десятков тысяч чеков:</Typography.Text>
              <DownloadButtons urlOf={urlOf} baseName="receipts" />
              <Typography.Text>Большой список — в фоне: файл появится в «Выгрузках» и придёт на почту.</Typography.Text>
              <BackgroundExport organizationId={organizationId} filters={query as never} label="Чеки в фоне" />
            </Space>
          ),
        },
      ]}
    />
  );
}
