/** How automatic receipts to a buyer's phone go: SMS, or Viber first (by SMS when Viber does not deliver). */
import { Alert, Card, Radio, Space, Typography } from 'antd';
import { errorText } from '../../../lib/api/errors';
import { useReceiptSettings, useSaveReceiptSettings, type PhoneChannel } from '../api/branding';

export function PhoneChannelCard({ organizationId, canEdit }: { organizationId: number; canEdit: boolean }) {
  const settings = useReceiptSettings(organizationId);
  const save = useSaveReceiptSettings(organizationId);
  const error = settings.error ?? save.error;
  return (
    <Card title="Чеки на телефон" style={{ marginTop: 24 }}>
      <Typography.Paragraph type="secondary">
        Когда покупатель оставил на кассе номер телефона, чек уходит ему ссылкой на страницу чека в этом оформлении.
      </Typography.Paragraph>
      <Radio.Group
        aria-label="Как отправлять чеки на телефон"
        value={settings.data?.phoneChannel}
        disabled={!canEdit || settings.isPending || save.isPending}
        onChange={(e) => save.mutate(e.target.value as PhoneChannel)}
      >
        <Space orientation="vertical">
          <Radio value="sms">SMS</Radio>
          <Radio value="viber">Сначала Viber, если не доставлен — SMS</Radio>
        </Space>
      </Radio.Group>
      <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
        Сообщение Viber оплачивается из пакета SMS; если Viber не доставил чек, списывается только SMS.
      </Typography.Paragraph>
      {error ? <Alert type="error" showIcon role="alert" style={{ marginTop: 12 }} title={errorText(error)} /> : null}
    </Card>
  );
}
