/** The sections of the brand form: colours, header and footer text, banners (a picture, a title or both) with links. */
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Card, Col, ColorPicker, Form, Input, Row, Typography, type FormListFieldData } from 'antd';
import { isLink, MAX_BANNERS, type BrandFormValues } from '../lib/brand-draft';
import { BannerPictureField } from './BannerPictureField';

const hex = (c: { toHexString(): string }) => c.toHexString().slice(0, 7);

function ColorField({ name, label, hint }: { name: keyof BrandFormValues; label: string; hint: string }) {
  return (
    <Form.Item name={name} label={label} tooltip={hint} getValueFromEvent={hex} rules={[{ required: true, pattern: /^#[0-9a-fA-F]{6}$/, message: 'Цвет #rrggbb' }]}>
      <ColorPicker showText disabledAlpha format="hex" aria-label={label} />
    </Form.Item>
  );
}

export function ColorFields() {
  return (
    <Row gutter={16}>
      <Col xs={24} sm={8}>
        <ColorField name="primaryColor" label="Основной цвет" hint="Шапка чека и строка ИТОГ" />
      </Col>
      <Col xs={24} sm={8}>
        <ColorField name="accentColor" label="Баннеры и ссылки" hint="Фон баннеров и цвет ссылок" />
      </Col>
      <Col xs={24} sm={8}>
        <ColorField name="backgroundColor" label="Фон письма" hint="Фон письма вокруг чека" />
      </Col>
    </Row>
  );
}

export function TextFields() {
  return (
    <>
      <Form.Item name="headerText" label="Текст в шапке" rules={[{ max: 200, message: 'Не больше 200 символов' }]}>
        <Input.TextArea autoSize={{ minRows: 2, maxRows: 4 }} maxLength={200} showCount placeholder="Например: Пекарня «Колос» — свежий хлеб с 1998 года" />
      </Form.Item>
      <Form.Item name="footerText" label="Текст внизу чека" rules={[{ max: 500, message: 'Не больше 500 символов' }]}>
        <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={500} showCount placeholder="Например: Спасибо за покупку! Телефон поддержки: 8 800 000-00-00" />
      </Form.Item>
    </>
  );
}

const linkRule = { validator: async (_: unknown, v: string | undefined) => (isLink(v?.trim()) ? undefined : Promise.reject(new Error('Ссылка вида https://…'))) };

function BannerCard({ field, i, onRemove, organizationId }: { field: FormListFieldData; i: number; onRemove: () => void; organizationId: number }) {
  const label = `Баннер ${i + 1}`;
  const picture = ['banners', field.name, 'picture'];
  return (
    <Card size="small" style={{ marginBottom: 12 }} title={label} extra={<Button type="text" icon={<DeleteOutlined />} aria-label={`Удалить баннер ${i + 1}`} onClick={onRemove} />}>
      <Form.Item name={[field.name, 'picture']} label="Картинка" style={{ marginBottom: 0 }}>
        <BannerPictureField organizationId={organizationId} label={label} />
      </Form.Item>
      <Form.Item
        name={[field.name, 'title']}
        label="Заголовок"
        dependencies={[picture]}
        rules={[
          ({ getFieldValue }) => ({
            validator: async (_: unknown, v: string | undefined) =>
              (v ?? '').trim() !== '' || getFieldValue(picture) ? undefined : Promise.reject(new Error('Укажите заголовок или загрузите картинку')),
          }),
          { max: 60, message: 'Не больше 60 символов' },
        ]}
      >
        <Input maxLength={60} />
      </Form.Item>
      <Form.Item name={[field.name, 'text']} label="Текст" rules={[{ max: 200, message: 'Не больше 200 символов' }]}>
        <Input maxLength={200} />
      </Form.Item>
      <Form.Item name={[field.name, 'url']} label="Ссылка" rules={[{ required: true, message: 'Укажите ссылку' }, linkRule]}>
        <Input inputMode="url" placeholder="https://" />
      </Form.Item>
      <Form.Item noStyle dependencies={[picture]}>
        {({ getFieldValue }) =>
          getFieldValue(picture) ? (
            <Form.Item name={[field.name, 'alt']} label="Подпись к картинке" tooltip="Её показывают почтовые программы, которые не загружают картинки, и программы чтения с экрана" rules={[{ max: 120, message: 'Не больше 120 символов' }]}>
              <Input maxLength={120} placeholder="Например: Скидка 20% на всю выпечку" />
            </Form.Item>
          ) : null
        }
      </Form.Item>
    </Card>
  );
}

export function BannerFields({ organizationId }: { organizationId: number }) {
  return (
    <>
      <Typography.Title level={5}>Баннеры</Typography.Title>
      <Typography.Paragraph type="secondary">
        До трёх баннеров со ссылками под чеком: акции, программа лояльности, отзывы. Баннер — картинка, заголовок с текстом или всё вместе.
      </Typography.Paragraph>
      <Form.List name="banners">
        {(fields, { add, remove }) => (
          <>
            {fields.map((field, i) => (
              <BannerCard key={field.key} field={field} i={i} onRemove={() => remove(field.name)} organizationId={organizationId} />
            ))}
            {fields.length < MAX_BANNERS ? (
              <Button icon={<PlusOutlined />} onClick={() => add({ title: '', text: '', url: '', alt: '', picture: null })} style={{ marginBottom: 16 }}>
                Добавить баннер
              </Button>
            ) : null}
          </>
        )}
      </Form.List>
    </>
  );
}
