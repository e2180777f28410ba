/**
 * «Оформление чеков» (issue 17): the look of the organization's e-receipts — logo, colours, header and footer text, up
 * to three banners with links — with a live preview of a sample receipt beside the form (below it on a phone). Owners
 * and admins change it; other members see it.
 */
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, ColorPicker, Form, Input, Popconfirm, Row, Select, Space, Tag, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { errorText } from '../../../lib/api/errors';
import { useUrlFilters } from '../../../lib/url-filters';
import { useBrand, useOrganizations, useResetBrand, useSaveBrand, type Brand } from '../api/branding';
import { BrandedServiceStatus, PreviewServiceTag } from '../components/BrandedServiceStatus';
import { BrandPreview } from '../components/BrandPreview';
import { LogoField } from '../components/LogoField';
import { PhoneChannelCard } from '../components/PhoneChannelCard';
import { draftOf, formValuesOf, isLink, MAX_BANNERS, type BrandFormValues } from '../lib/brand-draft';
import { showFieldErrors } from '../lib/field-errors';

const FILTERS = { organizationId: 'int' } as const;

/** The organization the page works on: `?organizationId=`, else the first one. */
function useOrganization() {
  const [f, setF] = useUrlFilters(FILTERS);
  const orgs = useOrganizations();
  const items = orgs.data?.items ?? [];
  const chosen = items.find((o) => o.id === f.organizationId) ?? items[0];
  return { orgs, chosen, choose: (organizationId: number) => setF({ organizationId }) };
}

/** The draft after the user paused typing for a moment: one preview per pause, not per key. */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

const hex = (c: { toHexString(): string }) => c.toHexString().slice(0, 7);

function ColorField({ name, label, hint }: { name: keyof BrandFormValues; label: string; hint: string }) {
  return (
    <Form.Item name={name} label={label} tooltip={hint} getValueFromEvent={hex} rules={[{ required: true, pattern: /^#[0-9a-fA-F]{6}$/, message: 'Цвет #rrggbb' }]}>
      <ColorPicker showText disabledAlpha format="hex" aria-label={label} />
    </Form.Item>
  );
}

function BrandForm({ organizationId, brand, canEdit }: { organizationId: number; brand: Brand; canEdit: boolean }) {
  const [form] = Form.useForm<BrandFormValues>();
  const save = useSaveBrand(organizationId);
  const reset = useResetBrand(organizationId);
  // The form starts from the stored brand once; a logo upload updates the brand without undoing unsaved edits.
  const [initial] = useState(() => formValuesOf(brand));
  const values = Form.useWatch([], form) as BrandFormValues | undefined;
  const draft = useDebounced(useMemo(() => (values ? draftOf(values) : draftOf(initial)), [values, initial]), 400);
  const logoVersion = brand.logo ? `${brand.logo.bytes}-${brand.updatedAt ?? ''}` : 'none';
  return (
    <Row gutter={[24, 24]}>
      <Col xs={24} lg={12}>
        <Card title="Оформление" extra={brand.custom ? <Tag color="green">Своё оформление</Tag> : <Tag>Стандартное оформление</Tag>}>
          <Typography.Title level={5}>Логотип</Typography.Title>
          <LogoField organizationId={organizationId} brand={brand} canEdit={canEdit} />
          <Form<BrandFormValues>
            form={form}
            layout="vertical"
            style={{ marginTop: 16 }}
            disabled={!canEdit}
            initialValues={initial}
            aria-label="Оформление чеков"
            onFinish={(v) => {
              const body = draftOf(v);
              if (body) save.mutate(body, { onError: (e) => showFieldErrors(form, e) });
            }}
          >
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
            <Form.Item name="headerText" label="Текст в шапке" rules={[{ max: 200, message: 'Не больше 200 символов' }]}>
              <Input.TextArea autoSize={{ minRows: 2, maxRows: 4 }} maxLength={200} showCount placeholder="Например: Пекарня «Колос» — свежий хлеб с 1998 года" />
            </Form.Item>
            <Form.Item name="footerText" label="Текст внизу чека" rules={[{ max: 500, message: 'Не больше 500 символов' }]}>
              <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={500} showCount placeholder="Например: Спасибо за покупку! Телефон поддержки: 8 800 000-00-00" />
            </Form.Item>
            <Typography.Title level={5}>Баннеры</Typography.Title>
            <Typography.Paragraph type="secondary">До трёх блоков со ссылками под чеком: акции, программа лояльности, отзывы.</Typography.Paragraph>
            <Form.List name="banners">
              {(fields, { add, remove }) => (
                <>
                  {fields.map((field, i) => (
                    <Card key={field.key} size="small" style={{ marginBottom: 12 }} title={`Баннер ${i + 1}`} extra={<Button type="text" icon={<DeleteOutlined />} aria-label={`Удалить баннер ${i + 1}`} onClick={() => remove(field.name)} />}>
                      <Form.Item name={[field.name, 'title']} label="Заголовок" rules={[{ required: true, message: 'Укажите заголовок' }, { max: 60, message: 'Не больше 60 символов' }]}>
                        <Input maxLength={60} />
                      </Form.Item>
                      <Form.Item name={[field.name, 'text']} label="Текст" rules={[{ max: 200, message: 'Не больше 200 символов' }]}>
                        <Input maxLength={200} />
                      </Form.Item>
                      <Form.Item
                        name={[field.name, 'url']}
                        label="Ссылка"
                        rules={[{ required: true, message: 'Укажите ссылку' }, { validator: async (_, v: string | undefined) => (isLink(v?.trim()) ? undefined : Promise.reject(new Error('Ссылка вида https://…'))) }]}
                      >
                        <Input inputMode="url" placeholder="https://" />
                      </Form.Item>
                    </Card>
                  ))}
                  {fields.length < MAX_BANNERS ? (
                    <Button icon={<PlusOutlined />} onClick={() => add({ title: '', text: '', url: '' })} style={{ marginBottom: 16 }}>
                      Добавить баннер
                    </Button>
                  ) : null}
                </>
              )}
            </Form.List>
            {save.error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 12 }} title={errorText(save.error)} /> : null}
            {save.isSuccess ? <Alert type="success" showIcon role="status" style={{ marginBottom: 12 }} title="Оформление сохранено: так будут выглядеть новые чеки" /> : null}
            {canEdit ? (
              <Space wrap>
                <Button type="primary" htmlType="submit" loading={save.isPending}>
                  Сохранить
                </Button>
                {brand.custom ? (
                  <Popconfirm title="Вернуть стандартное оформление? Логотип тоже удалится." okText="Вернуть" cancelText="Отмена" onConfirm={() => reset.mutate(undefined, { onSuccess: (b) => form.setFieldsValue(formValuesOf(b)) })}>
                    <Button loading={reset.isPending}>Вернуть стандартное</Button>
                  </Popconfirm>
                ) : null}
              </Space>
            ) : (
              <Alert type="info" showIcon title="Изменить оформление могут владелец и администраторы организации." />
            )}
          </Form>
        </Card>
        <PhoneChannelCard organizationId={organizationId} canEdit={canEdit} />
      </Col>
      <Col xs={24} lg={12}>
        <Card title="Предпросмотр" extra={<PreviewServiceTag organizationId={organizationId} />}>
          <BrandPreview organizationId={organizationId} draft={draft} logoVersion={logoVersion} />
        </Card>
      </Col>
    </Row>
  );
}

export default function BrandingPage() {
  const { orgs, chosen, choose } = useOrganization();
  const brand = useBrand(chosen?.id);
  const canEdit = chosen !== undefined && (chosen.role === 'owner' || chosen.role === 'admin' || chosen.role === null);
  const select =
    (orgs.data?.items.length ?? 0) > 1 ? (
      <Select
        aria-label="Организация"
        value={chosen?.id}
        onChange={choose}
        options={(orgs.data?.items ?? []).map((o) => ({ value: o.id, label: `${o.name ?? 'Организация'} (ИНН ${o.inn})` }))}
        style={{ minWidth: 280 }}
      />
    ) : null;
  return (
    <>
      <PageHeader title="Оформление чеков" extra={select}>
        <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
          Как выглядят электронные чеки, которые получают ваши покупатели: письмо с чеком и страница чека по ссылке из SMS и Viber.
        </Typography.Paragraph>
      </PageHeader>
      <QueryState query={orgs} isEmpty={(d) => d.items.length === 0} empty={<p>Сначала подключите организацию.</p>}>
        {() => (
          <>
            <BrandedServiceStatus organizationId={chosen!.id} />
            <QueryState query={brand}>{(b) => <BrandForm key={chosen!.id} organizationId={chosen!.id} brand={b} canEdit={canEdit} />}</QueryState>
          </>
        )}
      </QueryState>
    </>
  );
}
