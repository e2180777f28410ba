/**
 * The sample receipt as the buyer will see it (the API renders it: the same HTML as the e-mail and the receipt page),
 * in a sandboxed frame: no scripts run in it, its links open outside.
 */
import { Alert, Skeleton } from 'antd';
import { errorText } from '../../../lib/api/errors';
import { usePreview, type BrandInput } from '../api/branding';

export function BrandPreview({ organizationId, draft, logoVersion }: { organizationId: number | undefined; draft: BrandInput | undefined; logoVersion: string }) {
  const preview = usePreview(organizationId, draft, logoVersion);
  if (preview.error) return <Alert type="error" showIcon role="alert" title={errorText(preview.error)} />;
  if (preview.data === undefined) return <Skeleton active paragraph={{ rows: 10 }} />;
  return (
    <iframe
      title="Предпросмотр чека"
      data-testid="brand-preview"
      srcDoc={preview.data}
      sandbox="allow-popups allow-popups-to-escape-sandbox"
      style={{ width: '100%', height: 720, border: '1px solid #f0f0f0', borderRadius: 8, background: '#fff' }}
    />
  );
}
