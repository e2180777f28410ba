/**
 * A tariff of the catalogue, new or changed: the form checks what the API checks (lib/tariff-form.ts) before sending,
 * and places the API's own refusals on the field they concern. A tariff's code and term never change once created.
 */
import { Alert, Form, Input, InputNumber, Modal, Switch } from 'antd';
import { useEffect, useState } from 'react';
import { ApiFailure, errorText } from '../../../lib/api/errors';
import { useCreateTariff, useUpdateTariff, type CatalogueTariff } from '../api/operator';
import { EMPTY_TARIFF, FIELD_RULES, changeBody, fieldsOfIssues, newTariffBody, tariffProblems, valuesOf, type TariffField, type TariffFormValues } from '../lib/tariff-form';

function TariffFields({ creating, promoOn }: { creating: boolean; promoOn: boolean }) {
  return (
    <>
      <Form.Item name="code" label="Код" extra={creating ? FIELD_RULES.code : 'Код и срок тарифа не меняются.'}>
        <Input disabled={!creating} autoComplete="off" />
      </Form.Item>
      <Form.Item name="months" label="Срок, месяцев">
        <InputNumber disabled={!creating} precision={0} style={{ width: '100%' }} />
      </Form.Item>
      <Form.Item name="name" label="Название">
        <Input maxLength={200} />
      </Form.Item>
      <Form.Item name="price" label="Цена за кассу, ₽">
        <Input inputMode="decimal" placeholder="3000" />
      </Form.Item>
      <Form.Item name="promoOn" label="Акция" valuePropName="checked">
        <Switch />
      </Form.Item>
      {promoOn ? (
        <>
          <Form.Item name="promoPrice" label="Цена по акции, ₽">
            <Input inputMode="decimal" placeholder="2500" />
          </Form.Item>
          <Form.Item name="promoFrom" label="Начало акции">
            <Input type="date" />
          </Form.Item>
          <Form.Item name="promoUntil" label="Конец акции" extra="Включительно, по московскому времени.">
            <Input type="date" />
          </Form.Item>
        </>
      ) : null}
      <Form.Item name="active" label="Продаётся" valuePropName="checked" extra="Снятый с продажи тариф остаётся у тех, кто его уже оплатил.">
        <Switch />
      </Form.Item>
    </>
  );
}

/** The API's refusal on the form: fields it named, the code when taken; anything else as a message. */
function useServerErrors(form: ReturnType<typeof Form.useForm<TariffFormValues>>[0]) {
  const [general, setGeneral] = useState<string>();
  const show = (e: unknown, code: string) => {
    if (e instanceof ApiFailure && e.code === 'TARIFF_EXISTS') {
      form.setFields([{ name: 'code', errors: [`Тариф с кодом «${code}» уже есть: выберите другой код.`] }]);
      return;
    }
    const fields = e instanceof ApiFailure ? fieldsOfIssues(e.details) : [];
    if (fields.length > 0) form.setFields(fields);
    else setGeneral(errorText(e));
  };
  return { general, setGeneral, show };
}

export function TariffForm({ open, tariff, onClose }: { open: boolean; tariff: CatalogueTariff | undefined; onClose: () => void }) {
  const creating = tariff === undefined;
  const [form] = Form.useForm<TariffFormValues>();
  const promoOn = Form.useWatch('promoOn', form) === true;
  const create = useCreateTariff();
  const update = useUpdateTariff();
  const server = useServerErrors(form);
  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(tariff ? valuesOf(tariff) : EMPTY_TARIFF);
    server.setGeneral(undefined);
    // Only a newly opened form is reset (form and the setter are stable).
  }, [open, tariff, form, server.setGeneral]);

  const submit = async () => {
    const v = { ...EMPTY_TARIFF, ...form.getFieldsValue(true) } as TariffFormValues;
    const problems = tariffProblems(v, creating);
    form.setFields((Object.keys(v) as TariffField[]).map((name) => ({ name, errors: problems[name] ? [problems[name]] : [] })));
    if (Object.keys(problems).length > 0) return;
    server.setGeneral(undefined);
    try {
      if (creating) await create.mutateAsync(newTariffBody(v));
      else await update.mutateAsync({ id: tariff.id, body: changeBody(v) });
      onClose();
    } catch (e) {
      server.show(e, v.code);
    }
  };

  return (
    <Modal
      open={open}
      title={creating ? 'Новый тариф' : `Тариф «${tariff.name}»`}
      okText={creating ? 'Создать тариф' : 'Сохранить'}
      cancelText="Отмена"
      onOk={() => void submit()}
      onCancel={onClose}
      confirmLoading={create.isPending || update.isPending}
      // Mounted while closed too, so the form instance is connected when it opens and is filled.
      forceRender
    >
      <Form form={form} layout="vertical" onFinish={() => void submit()} requiredMark={false}>
        <TariffFields creating={creating} promoOn={promoOn} />
        {server.general ? <Alert type="error" showIcon role="alert" title={server.general} /> : null}
      </Form>
    </Modal>
  );
}
