/**
 * "Send to buyer": e-mail, SMS or Viber (to the document's 1008 or another address; Viber falls back to SMS when it does
 * not deliver), and each delivery's status.
 */
import { Alert, Button, Form, Input, Radio, Table, Tag } from 'antd';
import type { TableColumnsType } from 'antd';
import { QueryState } from '../../../components/QueryState';
import { errorText } from '../../../lib/api/errors';
import { formatInstant } from '../../../lib/format';
import { useDeliveries, useSendReceipt, type Delivery } from '../api/receipts';

const STATUS: Record<string, { text: string; color: string }> = {
  pending: { text: 'Ожидает', color: 'default' },
  queued: { text: 'В очереди', color: 'blue' },
  sending: { text: 'Отправляется', color: 'blue' },
  delivered: { text: 'Доставлен', color: 'green' },
  retrying: { text: 'Повтор', color: 'gold' },
  failed: { text: 'Не доставлен', color: 'red' },
  no_balance: { text: 'Нет SMS в пакете', color: 'red' },
  no_recipient: { text: 'Нет адреса', color: 'red' },
  fallback_sms: { text: 'Не доставлен, отправлен SMS', color: 'gold' },
};

const CHANNEL: Record<string, string> = { email: 'E-mail', sms: 'SMS', viber: 'Viber' };
type Channel = 'email' | 'sms' | 'viber';

const CHANNEL_OPTIONS = [
  { value: 'email', label: 'E-mail' },
  { value: 'sms', label: 'SMS' },
  { value: 'viber', label: 'Viber' },
];

const DELIVERY_COLUMNS: TableColumnsType<Delivery> = [
  { title: 'Куда', key: 'to', render: (_, r) => `${CHANNEL[r.channel] ?? r.channel}: ${r.recipient}` },
  {
    title: 'Статус',
    key: 'status',
    render: (_, r) => (
      <span data-testid="delivery-status">
        <Tag color={STATUS[r.status]?.color}>{STATUS[r.status]?.text ?? r.status}</Tag>
      </span>
    ),
  },
  { title: 'Попыток', dataIndex: 'attempts' },
  { title: 'Обновлено', key: 'at', render: (_, r) => formatInstant(r.deliveredAt ?? r.updatedAt) },
];

function SendForm({ fn, fd, buyer }: { fn: string; fd: number; buyer: string }) {
  const send = useSendReceipt(fn, fd);
  const [form] = Form.useForm<{ channel: Channel; recipient: string }>();
  const channel = Form.useWatch('channel', form) ?? 'email';
  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={{ channel: buyer.includes('@') || buyer === '' ? 'email' : 'sms', recipient: buyer }}
      onFinish={(v) => send.mutate({ channel: v.channel, recipient: v.recipient.trim() })}
      aria-label="Отправить чек покупателю"
    >
      <Form.Item name="channel" label="Способ" extra={channel === 'viber' ? 'Если у покупателя нет Viber или сообщение не дойдёт, чек уйдёт по SMS. Стоимость — как у SMS.' : undefined}>
        <Radio.Group options={CHANNEL_OPTIONS} optionType="button" />
      </Form.Item>
      <Form.Item
        name="recipient"
        label={channel === 'email' ? 'Адрес электронной почты покупателя' : 'Телефон покупателя'}
        rules={[
          { required: true, message: 'Укажите, куда отправить чек' },
          channel === 'email' ? { type: 'email', message: 'Адрес электронной почты, например buyer@example.ru' } : { pattern: /^\+?[\d\s()-]{10,18}$/, message: 'Телефон, например +7 912 345-67-89' },
        ]}
      >
        <Input inputMode={channel === 'email' ? 'email' : 'tel'} />
      </Form.Item>
      {send.error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 12 }} title={errorText(send.error)} /> : null}
      {send.isSuccess ? <Alert type="success" showIcon role="status" style={{ marginBottom: 12 }} title="Чек поставлен в очередь на отправку" /> : null}
      <Button type="primary" htmlType="submit" loading={send.isPending}>
        Отправить чек
      </Button>
    </Form>
  );
}

export function SendReceipt({ fn, fd, buyer }: { fn: string; fd: number; buyer: string }) {
  const deliveries = useDeliveries(fn, fd);
  return (
    <>
      <SendForm fn={fn} fd={fd} buyer={buyer} />
      <h3 style={{ marginTop: 24, fontSize: 16 }}>Доставка</h3>
      <QueryState query={deliveries} isEmpty={(d) => d.items.length === 0} empty={<p>Чек покупателю ещё не отправлялся.</p>}>
        {(d) => <Table<Delivery> size="small" rowKey={(r) => `${r.channel}-${r.recipient}`} dataSource={d.items} pagination={false} scroll={{ x: 480 }} columns={DELIVERY_COLUMNS} />}
      </QueryState>
    </>
  );
}
