/** The public offer's text in a collapse and the checkbox that accepts it (issue 16). */
import { Checkbox, Collapse, Form, Typography } from 'antd';

export interface OfferText {
  title: string;
  version: string | number;
  body: string;
}

export function OfferAcceptance({ offer }: { offer: OfferText | undefined }) {
  return (
    <>
      <Collapse
        style={{ marginBottom: 16 }}
        items={[
          {
            key: 'offer',
            label: offer ? `${offer.title} (редакция ${offer.version})` : 'Публичная оферта',
            children: <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', maxHeight: 320, overflow: 'auto' }}>{offer?.body ?? 'Загрузка…'}</Typography.Paragraph>,
          },
        ]}
      />
      <Form.Item
        name="acceptOffer"
        valuePropName="checked"
        rules={[{ validator: (_, v) => (v ? Promise.resolve() : Promise.reject(new Error('Примите оферту, чтобы заключить договор с ОФД'))) }]}
      >
        <Checkbox>Принимаю оферту от имени организации</Checkbox>
      </Form.Item>
    </>
  );
}
