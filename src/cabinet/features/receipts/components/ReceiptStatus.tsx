/** A receipt's status card (FNS, ФЛК, fiscal sign, received) and its tabs: send to buyer, history, marking, expert view. */
import { Card, Descriptions, Tabs, Tag } from 'antd';
import { formatInstant } from '../../../lib/format';
import type { ReceiptDetail } from '../api/receipts';
import { ExpertView } from './ExpertView';
import { LifecycleTimeline } from './LifecycleTimeline';
import { FnsTag } from './ReceiptTable';
import { SendReceipt } from './SendReceipt';

const STAGE: Record<string, string> = { checked: 'Проверен при продаже', delivered: 'Передан в ЧЗ', crpt_answered: 'Ответ ЧЗ получен' };

export function ReceiptStatusCard({ d }: { d: ReceiptDetail }) {
  return (
    <Card size="small" style={{ marginBottom: 16 }}>
      <Descriptions
        size="small"
        column={1}
        items={[
          { key: 'fns', label: 'ФНС', children: <FnsTag status={d.status.fns?.status ?? null} /> },
          {
            key: 'flk',
            label: 'ФЛК',
            children: d.status.flk.status === 'passed' ? <Tag color="green">Пройден</Tag> : <Tag color="red">Ошибки: {d.status.flk.codes.join(', ')}</Tag>,
          },
          { key: 'sign', label: 'Фискальный признак', children: d.status.sign === 'verified' ? 'Проверен' : 'Не проверен' },
          { key: 'received', label: 'Получен ОФД', children: formatInstant(d.status.receivedAt) },
        ]}
      />
    </Card>
  );
}

function MarkingList({ marking }: { marking: ReceiptDetail['status']['marking'] }) {
  return (
    <ul>
      {marking.map((m) => (
        <li key={m.code} style={{ overflowWrap: 'anywhere' }}>
          {m.code}: {STAGE[m.stage] ?? m.stage}
          {m.crptStatus ? ` (${m.crptStatus})` : ''}
        </li>
      ))}
    </ul>
  );
}

export function ReceiptTabs({ fn, fd, d, doc }: { fn: string; fd: number; d: ReceiptDetail; doc: Record<string, unknown> }) {
  const buyer = typeof doc['buyerPhoneOrAddress'] === 'string' ? doc['buyerPhoneOrAddress'] : '';
  return (
    <Tabs
      items={[
        { key: 'send', label: 'Отправить покупателю', children: <SendReceipt fn={fn} fd={fd} buyer={buyer} /> },
        { key: 'life', label: 'История', children: <LifecycleTimeline status={d.status} /> },
        ...(d.status.marking.length > 0 ? [{ key: 'marking', label: 'Маркировка', children: <MarkingList marking={d.status.marking} /> }] : []),
        { key: 'expert', label: 'Для специалиста', children: <ExpertView detail={d} /> },
      ]}
    />
  );
}
