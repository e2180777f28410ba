/**
 * The deregistration's fields: the reason, and the FN closing report's details where the FNS asks for them (not for a
 * stolen or lost register, nor a broken FN), prefilled from the closing report the register sent us.
 */
import { Alert, Button, Form, Input, Radio, Typography } from 'antd';
import { ApiFailure, errorText } from '../../../lib/api/errors';
import type { ApplicationInput, Prefill } from '../api/applications';
import { DEREGISTRATION_REASONS } from '../lib/reasons';
import { FiscalReportFields, ModelInput, SignerFields } from './FormParts';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {});

interface DeregValues {
  reason: string;
  kkt: { model: string; serialNumber: string };
  fn: { model: string; serialNumber: string };
  taxAuthorityCode: string;
  signer: { lastName: string; firstName: string; middleName?: string };
  closingReport?: { dateTime: string; fiscalDocumentNumber: number; fiscalSign: string };
}

export function toDeregistration(v: DeregValues, p: Prefill): ApplicationInput {
  const needsClosing = DEREGISTRATION_REASONS.find((r) => r.code === v.reason)?.closingReport ?? true;
  return {
    kind: 'deregistration',
    kktRegId: p.kktRegId,
    reason: v.reason,
    kkt: { model: v.kkt.model, serialNumber: v.kkt.serialNumber },
    fn: { model: v.fn.model, serialNumber: v.fn.serialNumber },
    place: { taxAuthorityCode: v.taxAuthorityCode },
    signer: { role: '1', lastName: v.signer.lastName, firstName: v.signer.firstName, ...(v.signer.middleName ? { middleName: v.signer.middleName } : {}) },
    ...(needsClosing && v.closingReport ? { closingReport: v.closingReport } : {}),
  } as ApplicationInput;
}

export function DeregistrationForm({ prefill, busy, error, onSubmit }: { prefill: Prefill; busy: boolean; error: unknown; onSubmit: (body: ApplicationInput) => void }) {
  const [form] = Form.useForm<DeregValues>();
  const reason = Form.useWatch('reason', form);
  const a = prefill.application;
  const initial: Partial<DeregValues> = {
    kkt: obj(a.kkt) as DeregValues['kkt'],
    fn: obj(a.fn) as DeregValues['fn'],
    taxAuthorityCode: String(obj(a.place).taxAuthorityCode ?? ''),
    signer: obj(a.signer) as DeregValues['signer'],
    ...(prefill.closingReport ? { closingReport: prefill.closingReport } : {}),
  };
  const needsClosing = DEREGISTRATION_REASONS.find((r) => r.code === reason)?.closingReport ?? false;
  const fieldErrors = error instanceof ApiFailure ? error.details : [];
  return (
    <Form form={form} layout="vertical" requiredMark={false} initialValues={initial} onFinish={() => onSubmit(toDeregistration(form.getFieldsValue(true) as DeregValues, prefill))}>
      <Typography.Paragraph>
        ККТ {initial.kkt?.model} № {initial.kkt?.serialNumber}, ФН № {initial.fn?.serialNumber}, РНМ {prefill.kktRegId}.
      </Typography.Paragraph>
      <Form.Item label="Причина снятия с учёта" name="reason" rules={[{ required: true, message: 'Выберите причину' }]}>
        <Radio.Group style={{ display: 'flex', flexDirection: 'column', gap: 4 }} options={DEREGISTRATION_REASONS.map((r) => ({ value: r.code, label: r.label }))} />
      </Form.Item>
      {!initial.kkt?.model ? (
        <Form.Item label="Модель ККТ" name={['kkt', 'model']} rules={[{ required: true, message: 'Укажите модель ККТ' }]}>
          <ModelInput kind="kkt" />
        </Form.Item>
      ) : null}
      {!initial.fn?.model ? (
        <Form.Item label="Модель ФН" name={['fn', 'model']} rules={[{ required: true, message: 'Укажите модель ФН' }]}>
          <ModelInput kind="fn" />
        </Form.Item>
      ) : null}
      {!initial.taxAuthorityCode ? (
        <Form.Item label="Код ИФНС" name="taxAuthorityCode" rules={[{ required: true, pattern: /^\d{4}$/, message: '4 цифры' }]}>
          <Input inputMode="numeric" />
        </Form.Item>
      ) : null}
      {needsClosing ? (
        <>
          <Typography.Paragraph type="secondary">
            Перед снятием с учёта закройте архив ФН на кассе. {prefill.closingReport ? 'Касса передала нам отчёт о закрытии — данные подставлены.' : 'Мы ещё не получили отчёт о закрытии: перепишите данные с напечатанного отчёта.'}
          </Typography.Paragraph>
          <FiscalReportFields name="closingReport" title="Отчёт о закрытии ФН" />
        </>
      ) : reason ? (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} title="Для этой причины отчёт о закрытии ФН не нужен." />
      ) : null}
      <SignerFields />
      {error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={fieldErrors.length > 0 ? fieldErrors.map((d) => d.message).join('; ') : errorText(error)} /> : null}
      <Button type="primary" htmlType="submit" loading={busy}>
        Сформировать заявление
      </Button>
    </Form>
  );
}
