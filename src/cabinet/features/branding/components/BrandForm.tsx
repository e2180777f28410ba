/** The brand form beside its live preview: the look of one organization's e-receipts, saved or reset to the standard. */
import { Alert, Button, Card, Col, Form, Popconfirm, Row, Space, Tag, Typography, type FormInstance } from 'antd';
import { useMemo, useState } from 'react';
import { errorText } from '../../../lib/api/errors';
import { useDebounced } from '../../../lib/use-debounced';
import { useResetBrand, useSaveBrand, type Brand } from '../api/branding';
import { draftOf, formValuesOf, type BrandFormValues } from '../lib/brand-draft';
import { showFieldErrors } from '../lib/field-errors';
import { BannerFields, ColorFields, TextFields } from './BrandFormFields';
import { BrandPreview } from './BrandPreview';
import { LogoField } from './LogoField';
import { PhoneChannelCard } from './PhoneChannelCard';
import { PreviewServiceTag } from './BrandedServiceStatus';

/** Save's outcome, then «Сохранить» and «Вернуть стандартное» — or, to a member who may not edit, why not. */
function BrandActions({ form, save, organizationId, brand, canEdit }: { form: FormInstance<BrandFormValues>; save: ReturnType<typeof useSaveBrand>; organizationId: number; brand: Brand; canEdit: boolean }) {
  const reset = useResetBrand(organizationId);
  return (
    <>
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
    </>
  );
}

export function BrandForm({ organizationId, brand, canEdit }: { organizationId: number; brand: Brand; canEdit: boolean }) {
  const [form] = Form.useForm<BrandFormValues>();
  const save = useSaveBrand(organizationId);
  // The form starts from the stored brand once; a logo upload updates the brand without undoing unsaved edits.
  const [initial] = useState(() => formValuesOf(brand));
  const values = Form.useWatch([], form) as BrandFormValues | undefined;
  // The draft after the user paused typing for a moment: one preview per pause, not per key.
  const draft = useDebounced(useMemo(() => (values ? draftOf(values) : draftOf(initial)), [values, initial]), 400);
  const logoVersion = brand.logo ? `${brand.logo.bytes}-${brand.updatedAt ?? ''}` : 'none';
  const onFinish = (v: BrandFormValues) => {
    const body = draftOf(v);
    if (body) save.mutate(body, { onError: (e) => showFieldErrors(form, e) });
  };
  return (
    <Row gutter={[24, 24]}>
      <Col xs={24} lg={12}>
        <Card title="Оформление" extra={brand.custom ? <Tag color="green">Своё оформление</Tag> : <Tag>Стандартное оформление</Tag>}>
          <Typography.Title level={5}>Логотип</Typography.Title>
          <LogoField organizationId={organizationId} brand={brand} canEdit={canEdit} />
          <Form<BrandFormValues> form={form} layout="vertical" style={{ marginTop: 16 }} disabled={!canEdit} initialValues={initial} aria-label="Оформление чеков" onFinish={onFinish}>
            <ColorFields />
            <TextFields />
            <BannerFields organizationId={organizationId} />
            <BrandActions form={form} save={save} organizationId={organizationId} brand={brand} canEdit={canEdit} />
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
