/**
 * Регистрация организации (issue 16): requisites with the server's check-digit rules shown on the fields, the offer to
 * accept with it; a registered INN leads to a request for access (an INN claim) instead.
 */
import { Alert, Button, Form, Result, Typography } from 'antd';
import type { FormInstance } from 'antd';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { ApiFailure, errorText } from '../../../lib/api/errors';
import { useCurrentOffer, useFileClaim, useRegisterOrganization } from '../api/onboarding';
import { OfferAcceptance } from '../components/OfferAcceptance';
import { OrganizationRequisites } from '../components/OrganizationRequisites';
import { applyFieldErrors } from '../lib/field-errors';

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

const INITIAL_VALUES = { samePostal: true, vatPayer: false, taxSystems: ['osn'], edoOperator: 'none', headTitle: 'Генеральный директор' };

const isInnClaimed = (e: unknown) => e instanceof ApiFailure && e.code === 'INN_CLAIMED';

/** Registration and the INN claim it falls back to: the mutations, the claimed INN and the submit handler. */
function useOrganizationRegistration(form: FormInstance<Values>, entrepreneur: boolean) {
  const offer = useCurrentOffer();
  const registerOrg = useRegisterOrganization();
  const claim = useFileClaim();
  const navigate = useNavigate();
  const [claimedInn, setClaimedInn] = useState<string | null>(null);
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
          if (isInnClaimed(e)) setClaimedInn(v.inn.trim());
          else applyFieldErrors(form, e);
        },
      },
    );
  return { offer, registerOrg, claim, claimedInn, submit };
}

function ClaimOffer({ claimedInn, claim }: { claimedInn: string; claim: ReturnType<typeof useFileClaim> }) {
  return (
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
  );
}

const ClaimFiled = () => (
  <Result
    status="info"
    title="Запрос доступа отправлен"
    subTitle="Организация с этим ИНН уже зарегистрирована. Когда её владелец (или оператор) одобрит запрос, она появится в вашем кабинете."
    extra={<Link to="/">На главную</Link>}
  />
);

const ErrorAlert = ({ error }: { error: unknown }) => <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorText(error)} />;

export default function OrganizationNewPage() {
  const [form] = Form.useForm<Values>();
  const inn = Form.useWatch('inn', form) ?? '';
  const samePostal = Form.useWatch('samePostal', form) ?? true;
  const entrepreneur = inn.length === 12;
  const { offer, registerOrg, claim, claimedInn, submit } = useOrganizationRegistration(form, entrepreneur);

  if (claim.isSuccess) return <ClaimFiled />;
  return (
    <>
      <PageHeader title="Регистрация организации" />
      <Typography.Paragraph type="secondary" style={{ maxWidth: 720 }}>
        Укажите реквизиты организации или ИП так, как они записаны в ЕГРЮЛ / ЕГРИП. Вы станете владельцем организации в кабинете и сможете пригласить сотрудников.
      </Typography.Paragraph>
      {claimedInn !== null ? <ClaimOffer claimedInn={claimedInn} claim={claim} /> : null}
      <Form form={form} layout="vertical" requiredMark={false} style={{ maxWidth: 720 }} initialValues={INITIAL_VALUES} onFinish={submit}>
        <OrganizationRequisites entrepreneur={entrepreneur} samePostal={samePostal} />
        <OfferAcceptance offer={offer.data} />
        {registerOrg.error && !isInnClaimed(registerOrg.error) ? <ErrorAlert error={registerOrg.error} /> : null}
        {claim.error ? <ErrorAlert error={claim.error} /> : null}
        <Button type="primary" htmlType="submit" loading={registerOrg.isPending}>
          Зарегистрировать организацию
        </Button>
      </Form>
    </>
  );
}
