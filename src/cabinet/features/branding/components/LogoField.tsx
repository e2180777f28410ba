/** The logo: upload (checked here for type and size, by the API again by its bytes), what is stored, removal. */
import { DeleteOutlined, UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Space, Typography, Upload } from 'antd';
import { useState } from 'react';
import { errorText } from '../../../lib/api/errors';
import { useRemoveLogo, useUploadLogo, type Brand } from '../api/branding';
import { logoFileProblem } from '../lib/brand-draft';

export function LogoField({ organizationId, brand, canEdit }: { organizationId: number | undefined; brand: Brand; canEdit: boolean }) {
  const upload = useUploadLogo(organizationId);
  const remove = useRemoveLogo(organizationId);
  const [problem, setProblem] = useState<string>();
  const error = problem ?? (upload.error ? errorText(upload.error) : remove.error ? errorText(remove.error) : undefined);
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">
        {brand.logo ? `Загружен: ${brand.logo.width}×${brand.logo.height} px, ${Math.ceil(brand.logo.bytes / 1024)} КБ` : 'Логотип не загружен'}. PNG, JPEG или GIF до 256 КБ и
        1200×600 px; в чеке он занимает до 200×60 px.
      </Typography.Text>
      <Space wrap>
        <Upload
          accept="image/png,image/jpeg,image/gif"
          showUploadList={false}
          disabled={!canEdit}
          beforeUpload={(file) => {
            const p = logoFileProblem(file);
            setProblem(p);
            if (!p) upload.mutate(file);
            return false;
          }}
        >
          <Button icon={<UploadOutlined />} loading={upload.isPending} disabled={!canEdit}>
            {brand.logo ? 'Заменить логотип' : 'Загрузить логотип'}
          </Button>
        </Upload>
        {brand.logo ? (
          <Button icon={<DeleteOutlined />} onClick={() => remove.mutate()} loading={remove.isPending} disabled={!canEdit}>
            Удалить логотип
          </Button>
        ) : null}
      </Space>
      {error ? <Alert type="error" showIcon role="alert" title={error} /> : null}
    </Space>
  );
}
