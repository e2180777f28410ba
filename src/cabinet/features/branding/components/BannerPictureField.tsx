/**
 * A banner's picture in the brand form: chosen here (type and size checked before it is sent, the API checks its
 * bytes), uploaded at once so the live preview shows it, saved with the brand. A form control: `value` is the picture.
 */
import { DeleteOutlined, PictureOutlined } from '@ant-design/icons';
import { Alert, Button, Space, Typography, Upload } from 'antd';
import { useState } from 'react';
import { errorText } from '../../../lib/api/errors';
import { bannerPictureUrl, useUploadBannerImage, type BannerPicture } from '../api/branding';
import { bannerImageFileProblem } from '../lib/brand-draft';

interface Props {
  organizationId: number;
  /** «Баннер 2»: names the buttons for screen readers. */
  label: string;
  disabled?: boolean;
  value?: BannerPicture | null;
  onChange?: (v: BannerPicture | null) => void;
}

export function BannerPictureField({ organizationId, label, disabled, value, onChange }: Props) {
  const upload = useUploadBannerImage(organizationId);
  const [problem, setProblem] = useState<string>();
  const error = problem ?? (upload.error ? errorText(upload.error) : undefined);
  return (
    <Space orientation="vertical" style={{ width: '100%', marginBottom: 16 }}>
      {value ? (
        <>
          <img
            src={bannerPictureUrl(organizationId, value.id)}
            alt={`Картинка: ${label}`}
            data-testid="banner-picture"
            style={{ display: 'block', maxWidth: '100%', maxHeight: 140, borderRadius: 6, border: '1px solid #f0f0f0' }}
          />
          <Typography.Text type="secondary">
            {value.width}×{value.height} px, {Math.ceil(value.bytes / 1024)} КБ
          </Typography.Text>
        </>
      ) : (
        <Typography.Text type="secondary">Картинка не выбрана: баннер — цветной блок с заголовком.</Typography.Text>
      )}
      <Space wrap>
        <Upload
          accept="image/png,image/jpeg,image/gif"
          showUploadList={false}
          disabled={disabled}
          beforeUpload={(file) => {
            const p = bannerImageFileProblem(file);
            setProblem(p);
            if (!p) upload.mutate(file, { onSuccess: (picture) => onChange?.(picture) });
            return false;
          }}
        >
          <Button icon={<PictureOutlined />} loading={upload.isPending} disabled={disabled} aria-label={`${value ? 'Заменить' : 'Загрузить'} картинку: ${label}`}>
            {value ? 'Заменить картинку' : 'Загрузить картинку'}
          </Button>
        </Upload>
        {value ? (
          <Button icon={<DeleteOutlined />} disabled={disabled} onClick={() => onChange?.(null)} aria-label={`Убрать картинку: ${label}`}>
            Убрать картинку
          </Button>
        ) : null}
      </Space>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        PNG, JPEG или GIF до 300 КБ и 1200×1200 px. В письме картинка занимает всю ширину чека (до 552 px): для чёткости на телефонах возьмите 1104 px в ширину.
      </Typography.Text>
      {error ? <Alert type="error" showIcon role="alert" title={error} /> : null}
    </Space>
  );
}
