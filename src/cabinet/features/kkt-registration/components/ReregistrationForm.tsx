/**
 * The re-registration's fields: the reasons first, then only what those reasons change, prefilled from what we know of
 * the register (the last application, its registration reports, the FN closing report); everything else is shown as it
 * stays. The API's field errors land under their inputs.
 */
import { Alert, Button, Checkbox, Col, Descriptions, Form, Input, Row, Typography } from 'antd';
import { ApiFailure, errorText } from '../../../lib/api/errors';
import type { ApplicationInput, Prefill } from '../api/applications';
import { REREGISTRATION_REASONS, SECTIONS_OF_REASON, type Section } from '../lib/reasons';
import { MODES } from '../lib/modes';
import { FiscalReportFields, ModelInput, ModesFields, PlaceCodeFields, SignerFields } from './FormParts';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {});

export interface ReregValues {
  reasons: string[];
  kkt: { model: string; serialNumber: string };
  fn: { model: string; serialNumber: string };
  place: { taxAuthorityCode: string; regionCode: string; postalCode?: string; retailPlaceAddress: string; retailPlace: string };
  ofd?: { ofdInn?: string; ofdName?: string };
  modes: string[];
  machineNumber?: string;
  signer: { lastName: string; firstName: string; middleName?: string };
  closingReport?: { dateTime: string; fiscalDocumentNumber: number; fiscalSign: string };
  reregistrationReport?: { dateTime: string; fiscalDocumentNumber: number; fiscalSign: string };
}

/** The prefill as the form's initial values. */
export function initialValues(p: Prefill): Partial<ReregValues> {
  const a = p.application;
  const modes = obj(a.modes);
  const fn = obj(a.fn);
  return {
    reasons: [],
    kkt: obj(a.kkt) as ReregValues['kkt'],
    // After an FN replacement the register already reported the new FN: that is the number the application needs.
    fn: { model: String(fn.model ?? ''), serialNumber: p.replacementFn ?? String(fn.serialNumber ?? '') },
    place: obj(a.place) as ReregValues['place'],
    ofd: obj(a.ofd) as ReregValues['ofd'],
    modes: Object.entries(modes).filter(([k, v]) => v === true && k !== 'offlineMode').map(([k]) => k),
    machineNumber: typeof modes.machineNumber === 'string' ? modes.machineNumber : undefined,
    signer: obj(a.signer) as ReregValues['signer'],
    ...(p.closingReport ? { closingReport: p.closingReport } : {}),
    ...(p.replacementReport ? { reregistrationReport: p.replacementReport } : {}),
  };
}

export function toReregistration(v: ReregValues, p: Prefill): ApplicationInput {
  const wasOffline = obj(p.application.modes).offlineMode === true;
  const offline = v.reasons.includes('5') ? true : v.reasons.includes('4') ? false : wasOffline;
  const fnReplaced = v.reasons.includes('3');
  const ofd = v.ofd?.ofdInn && v.ofd.ofdName ? { ofdInn: v.ofd.ofdInn, ofdName: v.ofd.ofdName } : undefined;
  return {
    kind: 'reregistration',
    kktRegId: p.kktRegId,
    reasons: v.reasons,
    kkt: { model: v.kkt.model, serialNumber: v.kkt.serialNumber },
    fn: { model: v.fn.model, serialNumber: v.fn.serialNumber.trim() },
    place: {
      taxAuthorityCode: v.place.taxAuthorityCode,
      regionCode: v.place.regionCode,
      retailPlaceAddress: v.place.retailPlaceAddress,
      retailPlace: v.place.retailPlace,
      ...(v.place.postalCode ? { postalCode: v.place.postalCode } : {}),
    },
    // A change of OFD to us leaves the fields empty: the server writes our requisites.
    ...(ofd ? { ofd } : {}),
    modes: { ...Object.fromEntries(v.modes.map((m) => [m, true])), offlineMode: offline, ...(v.machineNumber ? { machineNumber: v.machineNumber } : {}) },
    signer: { role: '1', lastName: v.signer.lastName, firstName: v.signer.firstName, ...(v.signer.middleName ? { middleName: v.signer.middleName } : {}) },
    ...(fnReplaced && v.closingReport ? { closingReport: v.closingReport } : {}),
    ...(fnReplaced && v.reregistrationReport ? { reregistrationReport: v.reregistrationReport } : {}),
  } as ApplicationInput;
}

const FIELD_OF: Record<string, (string | number)[]> = {
  'body.kkt.model': ['kkt', 'model'],
  'body.fn.model': ['fn', 'model'],
  'body.fn.serialNumber': ['fn', 'serialNumber'],
  'body.place.retailPlaceAddress': ['place', 'retailPlaceAddress'],
  'body.place.retailPlace': ['place', 'retailPlace'],
  'body.place.taxAuthorityCode': ['place', 'taxAuthorityCode'],
  'body.place.regionCode': ['place', 'regionCode'],
  'body.ofd.ofdInn': ['ofd', 'ofdInn'],
  'body.modes.machineNumber': ['machineNumber'],
};

function PlaceFields() {
  return (
    <>
      <Form.Item label="Новый адрес установки (применения) ККТ" name={['place', 'retailPlaceAddress']} rules={[{ required: true, message: 'Укажите адрес' }]}>
        <Input />
      </Form.Item>
      <PlaceCodeFields prefix="place" retailPlaceMessage="Укажите место" />
    </>
  );
}

function FnFields() {
  return (
    <>
      <Typography.Paragraph type="secondary">
        Сначала закройте архив прежнего ФН, установите новый и распечатайте отчёт об изменении параметров регистрации: их данные нужны в заявлении. Если касса уже передала эти отчёты нам, поля заполнены.
      </Typography.Paragraph>
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Form.Item label="Модель нового ФН" name={['fn', 'model']} rules={[{ required: true, message: 'Укажите модель ФН' }]}>
            <ModelInput kind="fn" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item label="Заводской номер нового ФН" name={['fn', 'serialNumber']} rules={[{ required: true, pattern: /^\d{16}$/, message: '16 цифр' }]}>
            <Input inputMode="numeric" />
          </Form.Item>
        </Col>
      </Row>
      <FiscalReportFields name="closingReport" title="Отчёт о закрытии прежнего ФН" />
      <FiscalReportFields name="reregistrationReport" title="Отчёт об изменении параметров регистрации" />
    </>
  );
}

function OfdFields() {
  return (
    <>
      <Typography.Paragraph type="secondary">Переходите к нам — оставьте поля пустыми: подставим наши реквизиты.</Typography.Paragraph>
      <Row gutter={16}>
        <Col xs={24} md={8}>
          <Form.Item label="ИНН нового ОФД" name={['ofd', 'ofdInn']} rules={[{ pattern: /^\d{10}$/, message: '10 цифр' }]}>
            <Input inputMode="numeric" />
          </Form.Item>
        </Col>
        <Col xs={24} md={16}>
          <Form.Item label="Наименование нового ОФД" name={['ofd', 'ofdName']}>
            <Input />
          </Form.Item>
        </Col>
      </Row>
    </>
  );
}

const ReregModesFields = () => <ModesFields modes={MODES.filter((m) => m.value !== 'offlineMode')} />;

const SECTION: Record<Section, () => React.JSX.Element> = { fn: FnFields, ofd: OfdFields, place: PlaceFields, modes: ReregModesFields };

/** What stays as it is, for the customer to check. */
function Unchanged({ v, shown }: { v: Partial<ReregValues>; shown: ReadonlySet<Section> }) {
  const items = [
    { key: 'kkt', label: 'ККТ', children: `${v.kkt?.model ?? ''}, № ${v.kkt?.serialNumber ?? ''}` },
    ...(shown.has('fn') ? [] : [{ key: 'fn', label: 'ФН', children: `${v.fn?.model ?? ''}, № ${v.fn?.serialNumber ?? ''}` }]),
    ...(shown.has('place') ? [] : [{ key: 'place', label: 'Адрес и место', children: `${v.place?.retailPlaceAddress ?? ''} — ${v.place?.retailPlace ?? ''}` }]),
  ];
  return <Descriptions size="small" column={1} bordered title="Без изменений" items={items} style={{ marginBottom: 16 }} />;
}

export function ReregistrationForm({ prefill, busy, error, onSubmit }: { prefill: Prefill; busy: boolean; error: unknown; onSubmit: (body: ApplicationInput) => void }) {
  const [form] = Form.useForm<ReregValues>();
  const reasons = Form.useWatch('reasons', form) ?? [];
  const fieldErrors = error instanceof ApiFailure ? error.details.filter((d) => FIELD_OF[d.path] || d.path === 'body.closingReport' || d.path === 'body.reregistrationReport') : [];
  // FIELD_OF holds paths of this form; antd's FieldData wants them as literal tuples.
  if (fieldErrors.length > 0) form.setFields(fieldErrors.filter((d) => FIELD_OF[d.path]).map((d) => ({ name: FIELD_OF[d.path] as ['kkt', 'model'], errors: [d.message] })));
  const initial = initialValues(prefill);
  const sections = new Set<Section>(reasons.flatMap((r) => SECTIONS_OF_REASON[r] ?? []));
  // Fields the register's history does not give us are asked whatever the reason.
  const kktModelMissing = !initial.kkt?.model;
  const fnModelMissing = !initial.fn?.model && !sections.has('fn');
  const placeMissing = !initial.place?.taxAuthorityCode || !initial.place.regionCode;
  if (placeMissing) sections.add('place');
  return (
    <Form form={form} layout="vertical" requiredMark={false} initialValues={initial} onFinish={() => onSubmit(toReregistration(form.getFieldsValue(true) as ReregValues, prefill))}>
      {prefill.sources.length > 0 ? <Typography.Paragraph type="secondary">Заполнено по данным: {prefill.sources.join(', ')}.</Typography.Paragraph> : null}
      <Form.Item label="Причины перерегистрации" name="reasons" rules={[{ required: true, type: 'array', min: 1, message: 'Выберите хотя бы одну причину' }]}>
        <Checkbox.Group style={{ display: 'flex', flexDirection: 'column', gap: 4 }} options={REREGISTRATION_REASONS.map((r) => ({ value: r.code, label: r.label }))} />
      </Form.Item>
      {kktModelMissing ? (
        <Form.Item label="Модель ККТ" name={['kkt', 'model']} rules={[{ required: true, message: 'Укажите модель ККТ' }]}>
          <ModelInput kind="kkt" />
        </Form.Item>
      ) : null}
      {fnModelMissing ? (
        <Form.Item label="Модель ФН" name={['fn', 'model']} rules={[{ required: true, message: 'Укажите модель ФН' }]}>
          <ModelInput kind="fn" />
        </Form.Item>
      ) : null}
      {(['fn', 'ofd', 'place', 'modes'] as const).filter((s) => sections.has(s)).map((s) => {
        const Part = SECTION[s];
        return <Part key={s} />;
      })}
      {reasons.includes('4') || reasons.includes('5') ? (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} title={reasons.includes('5') ? 'В заявлении будет указан автономный режим.' : 'В заявлении будет указан режим передачи данных через ОФД.'} />
      ) : null}
      {reasons.includes('6') ? <Alert type="info" showIcon style={{ marginBottom: 16 }} title="Новое наименование берётся из карточки организации: проверьте его там перед подписью." /> : null}
      {reasons.length > 0 ? <Unchanged v={initial} shown={sections} /> : null}
      <SignerFields />
      {error && fieldErrors.length === 0 ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorText(error)} /> : null}
      {fieldErrors.some((d) => !FIELD_OF[d.path]) ? (
        <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={fieldErrors.filter((d) => !FIELD_OF[d.path]).map((d) => d.message).join('; ')} />
      ) : null}
      <Button type="primary" htmlType="submit" loading={busy}>
        Сформировать заявление
      </Button>
    </Form>
  );
}
