/**
 * Регистрация организации (issue 16): requisites with the server's check-digit rules shown on the fields, the offer to
 * accept with it; a registered INN leads to a request for access (an INN claim) instead.
 */
import { Alert, Button, Checkbox, Collapse, Form, Input, Radio, Result, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { ApiFailure, errorText } from '../../../lib/api/errors';
import { useCurrentOffer, useFileClaim, useRegisterOrganization } from '../api/onboarding';
import { applyFieldErrors } from '../lib/field-errors';
import { EDO_OPERATORS, TAX_SYSTEMS } from '../lib/labels';

interface Values {
  inn: string;
  name: string;
  kpp?: string;
  ogrn: string;
  headName: string;
  headTitle: string;
  edoOperator: string;
  legalAddress: string;
  postalAddress: string;
  samePostal: boolean;
  vatPayer: boolean;
  taxSystems: string[];
  acceptOffer: boolean;
}

export default function OrganizationNewPage() {
  const [form] = Form.useForm<Values>();
  const inn = Form.useWatch('inn', form) ?? '';
  const samePostal = Form.useWatch('samePostal', form) ?? true;
  const offer = useCurrentOffer();
  const registerOrg = useRegisterOrganization();
  const claim = useFileClaim();
  const navigate = useNavigate();
  const [claimedInn, setClaimedInn] = useState<string | null>(null);
  const entrepreneur = inn.length === 12;

  if (claim.isSuccess) {
    return (
      <Result
        status="info"
        title="Запрос доступа отправлен"
        subTitle="Организация с этим ИНН уже зарегистрирована. Когда её владелец (или оператор) одобрит запрос, она появится в вашем кабинете."
        extra={<Link to="/">На главную</Link>}
      />
    );
  }

  const submit = (v: Values) =>
    registerOrg.mutate(
      {
        inn: v.inn.trim(),
        name: v.name,
        kpp: entrepreneur ? null : (v.kpp ?? '').trim(),
        ogrn: v.ogrn.trim(),
        headName: v.headName,
        headTitle: v.headTitle,
        edoOperator: v.edoOperator as never,
        legalAddress: v.legalAddress,
        postalAddress: v.samePostal ? v.legalAddress : v.postalAddress,
        vatPayer: v.vatPayer,
        taxSystems: v.taxSystems as never,
        ...(offer.data ? { acceptOffer: offer.data.version } : {}),
      },
      {
        onSuccess: (o) => void navigate(`/onboarding/registers?organizationId=${o.id}`),
        onError: (e) => {
          if (e instanceof ApiFailure && e.code === 'INN_CLAIMED') setClaimedInn(v.inn.trim());
          else applyFieldErrors(form, e);
        },
      },
    );

  return (
    <>
      <PageHeader title="Регистрация организации" />
      <Typography.Paragraph type="secondary" style={{ maxWidth: 720 }}>
        Укажите реквизиты организации или ИП так, как они записаны в ЕГРЮЛ / ЕГРИП. Вы станете владельцем организации в кабинете и сможете пригласить сотрудников.
      </Typography.Paragraph>
      {claimedInn !== null ? (
        <Alert
          type="warning"
          showIcon
          role="alert"
          style={{ marginBottom: 16, maxWidth: 720 }}
          title="Организация с этим ИНН уже зарегистрирована"
          description="Доступ к ней даёт её владелец в кабинете или оператор ОФД. Отправьте запрос — документы этой организации станут видны после одобрения."
          action={
            <Button type="primary" loading={claim.isPending} onClick={() => claim.mutate({ inn: claimedInn })}>
              Запросить доступ
            </Button>
          }
        />
      ) : null}
      <Form
        form={form}
        layout="vertical"
        requiredMark={false}
        style={{ maxWidth: 720 }}
        initialValues={{ samePostal: true, vatPayer: false, taxSystems: ['osn'], edoOperator: 'none', headTitle: 'Генеральный директор' }}
        onFinish={submit}
      >
        <Form.Item label="ИНН" name="inn" rules={[{ required: true, pattern: /^\d{10}(\d{2})?$/, message: 'ИНН — 10 цифр (организация) или 12 (ИП)' }]}>
          <Input inputMode="numeric" maxLength={12} />
        </Form.Item>
        <Form.Item label="Полное наименование" name="name" rules={[{ required: true, whitespace: true, message: 'Например: ООО «Ромашка» или ИП Иванов Иван Иванович' }]}>
          <Input />
        </Form.Item>
        <Space wrap align="start">
          {entrepreneur ? null : (
            <Form.Item label="КПП" name="kpp" rules={[{ required: true, pattern: /^\d{4}[0-9A-Z]{2}\d{3}$/, message: 'КПП — 9 знаков' }]}>
              <Input maxLength={9} style={{ width: 200 }} />
            </Form.Item>
          )}
          <Form.Item
            label={entrepreneur ? 'ОГРНИП' : 'ОГРН'}
            name="ogrn"
            rules={[{ required: true, pattern: entrepreneur ? /^\d{15}$/ : /^\d{13}$/, message: entrepreneur ? 'ОГРНИП — 15 цифр' : 'ОГРН — 13 цифр' }]}
          >
            <Input inputMode="numeric" maxLength={15} style={{ width: 240 }} />
          </Form.Item>
        </Space>
        <Space wrap align="start">
          <Form.Item label="ФИО руководителя" name="headName" rules={[{ required: true, whitespace: true, message: 'Укажите ФИО руководителя' }]}>
            <Input style={{ width: 340 }} />
          </Form.Item>
          <Form.Item label="Должность руководителя" name="headTitle" rules={[{ required: true, whitespace: true, message: 'Укажите должность' }]}>
            <Input style={{ width: 340 }} />
          </Form.Item>
        </Space>
        <Form.Item label="Оператор ЭДО" name="edoOperator">
          <Select options={[...EDO_OPERATORS]} style={{ width: 340 }} />
        </Form.Item>
        <Form.Item label="Юридический адрес" name="legalAddress" rules={[{ required: true, whitespace: true, message: 'Укажите юридический адрес' }]}>
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 3 }} />
        </Form.Item>
        <Form.Item name="samePostal" valuePropName="checked">
          <Checkbox>Почтовый адрес совпадает с юридическим</Checkbox>
        </Form.Item>
        {samePostal ? null : (
          <Form.Item label="Почтовый адрес" name="postalAddress" rules={[{ required: true, whitespace: true, message: 'Укажите почтовый адрес' }]}>
            <Input.TextArea autoSize={{ minRows: 1, maxRows: 3 }} />
          </Form.Item>
        )}
        <Form.Item label="НДС" name="vatPayer">
          <Radio.Group options={[{ value: true, label: 'Плательщик НДС' }, { value: false, label: 'Без НДС' }]} />
        </Form.Item>
        <Form.Item label="Системы налогообложения" name="taxSystems" rules={[{ required: true, type: 'array', min: 1, message: 'Выберите хотя бы одну' }]}>
          <Checkbox.Group options={[...TAX_SYSTEMS]} />
        </Form.Item>
        <Collapse
          style={{ marginBottom: 16 }}
          items={[
            {
              key: 'offer',
              label: offer.data ? `${offer.data.title} (редакция ${offer.data.version})` : 'Публичная оферта',
              children: <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', maxHeight: 320, overflow: 'auto' }}>{offer.data?.body ?? 'Загрузка…'}</Typography.Paragraph>,
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
        {registerOrg.error && !(registerOrg.error instanceof ApiFailure && registerOrg.error.code === 'INN_CLAIMED') ? (
          <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorText(registerOrg.error)} />
        ) : null}
        {claim.error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorText(claim.error)} /> : null}
        <Button type="primary" htmlType="submit" loading={registerOrg.isPending}>
          Зарегистрировать организацию
        </Button>
      </Form>
    </>
  );
}
