/**
 * «Пополнить вручную»: the operator's staff credit an organization's balance with money taken outside the card and
 * bank flows (cash at the office, a payment matched by hand) or as a correction. The reason is required: it is what
 * the customer sees in the account history. The form checks what the API checks and puts the API's refusals on the
 * field they concern; lib/manual-top-up.ts keeps one idempotency key per intended credit so a double click credits once.
 */
import { Alert, Button, Form, Input } from 'antd';
import { useRef, useState } from 'react';
import { ApiFailure, errorText } from '../../../lib/api/errors';
import { formatMoney } from '../../../lib/format';
import { useManualTopUp } from '../api/operator';
import { COMMENT_MAX, TopUpKeys, topUpAmount, topUpFieldsOfIssues, topUpProblems, type TopUpField, type TopUpValues } from '../lib/manual-top-up';

const EMPTY: TopUpValues = { amount: '', comment: '' };

export function ManualTopUpForm({ organizationId, onCredited }: { organizationId: number; onCredited?: (balance: number) => void }) {
  const [form] = Form.useForm<TopUpValues>();
  const topUp = useManualTopUp();
  const keys = useRef(new TopUpKeys());
  const [general, setGeneral] = useState<string>();
  const [credited, setCredited] = useState<string>();

  const submit = async () => {
    const v = { ...EMPTY, ...form.getFieldsValue(true) } as TopUpValues;
    const problems = topUpProblems(v);
    form.setFields((['amount', 'comment'] as TopUpField[]).map((name) => ({ name, errors: problems[name] ? [problems[name]] : [] })));
    if (Object.keys(problems).length > 0) return;
    setGeneral(undefined);
    setCredited(undefined);
    const amount = topUpAmount(v.amount)!;
    const comment = v.comment.trim();
    try {
      const b = await topUp.mutateAsync({ organizationId, body: { amount, comment, idempotencyKey: keys.current.keyFor(organizationId, amount, comment) } });
      keys.current.done();
      form.resetFields();
      setCredited(`Зачислено ${formatMoney(amount)}. Баланс: ${formatMoney(b.balance)}.`);
      onCredited?.(b.balance);
    } catch (e) {
      const fields = e instanceof ApiFailure ? topUpFieldsOfIssues(e.details) : [];
      if (fields.length > 0) form.setFields(fields);
      else setGeneral(e instanceof ApiFailure && e.code === 'IDEMPOTENCY_KEY_REUSED' ? 'Это зачисление уже проведено с другими данными. Обновите страницу и проверьте баланс.' : errorText(e));
    }
  };

  return (
    <Form form={form} layout="vertical" initialValues={EMPTY} onFinish={() => void submit()} requiredMark={false}>
      <Form.Item name="amount" label="Сумма, ₽">
        <Input inputMode="decimal" placeholder="1500" autoComplete="off" />
      </Form.Item>
      <Form.Item name="comment" label="Основание" extra="Видно клиенту в истории операций.">
        <Input.TextArea maxLength={COMMENT_MAX} showCount autoSize={{ minRows: 2, maxRows: 4 }} placeholder="Оплата наличными в офисе, ПКО № 12" />
      </Form.Item>
      {general ? <Alert type="error" showIcon role="alert" title={general} style={{ marginBottom: 16 }} /> : null}
      {credited ? <Alert type="success" showIcon role="status" title={credited} style={{ marginBottom: 16 }} /> : null}
      <Button type="primary" htmlType="submit" loading={topUp.isPending}>
        Пополнить вручную
      </Button>
    </Form>
  );
}
