/** The cards of one register's page: its current shift, its notifications, its fiscal drives and its last documents. */
import { Card, Descriptions, List, Table } from 'antd';
import type { TableColumnsType } from 'antd';
import { Link } from 'react-router';
import { QueryState } from '../../../components/QueryState';
import { formatInstant, formatLocalDateTime, formatMoney } from '../../../lib/format';
import { STATUS_LABEL } from '../../kkt-registration/lib/status';
import type { RegisterDetail, useCurrentShift, useLastDocuments, useRegisterNotifications } from '../api/register';

type Drive = RegisterDetail['fiscalDrives'][number];
type CurrentShift = NonNullable<ReturnType<typeof useCurrentShift>['data']>;
const NOTIFICATION: Record<string, string> = {
  'register.silent': 'Касса не выходит на связь',
  'fn.expiring': 'Срок ФН истекает',
  'ofd.expiring': 'Заканчивается обслуживание ОФД',
  'fn.fill': 'Память ФН заполняется',
  'documents.unsent': 'Есть неотправленные документы',
  'flk.failed': 'Ошибка ФЛК',
  'fns.rejected': 'Документ отклонён ФНС',
  'kkt.application': 'Заявление о регистрации ККТ',
};

/** The kind's name; a registration application's also says which status it reached (its threshold). */
function notificationTitle(n: { kind: string; threshold: string | null }): string {
  const title = NOTIFICATION[n.kind] ?? n.kind;
  if (n.kind !== 'kkt.application' || n.threshold === null) return title;
  const status = STATUS_LABEL[n.threshold as keyof typeof STATUS_LABEL] as { text: string } | undefined;
  return `${title}: ${status?.text ?? n.threshold}`;
}

function ShiftDescriptions({ s }: { s: CurrentShift }) {
  return (
    <Descriptions
      size="small"
      column={1}
      items={[
        { key: 'n', label: 'Смена', children: <Link to={s.closed ? `/shifts/${s.fn}/${s.shiftNumber}` : `/receipts?fn=${s.fn}`}>№ {s.shiftNumber}</Link> },
        { key: 's', label: 'Состояние', children: s.closed ? `закрыта ${formatLocalDateTime(s.closedAt)}` : `открыта ${formatLocalDateTime(s.openedAt)}` },
        { key: 'r', label: 'Чеков получено', children: s.received.receipts },
        { key: 'sum', label: 'Приход', children: formatMoney(s.received.sellTotalSum) },
      ]}
    />
  );
}

export function CurrentShiftCard({ shift }: { shift: ReturnType<typeof useCurrentShift> }) {
  return (
    <Card size="small" title="Текущая смена">
      <QueryState query={shift} isEmpty={(d) => d === null} empty="Смен ещё не было.">
        {(d) => (d === null ? null : <ShiftDescriptions s={d} />)}
      </QueryState>
    </Card>
  );
}

export function NotificationsCard({ notifications }: { notifications: ReturnType<typeof useRegisterNotifications> }) {
  return (
    <Card size="small" title="Уведомления">
      <QueryState query={{ ...notifications, isPending: notifications.isPending && notifications.fetchStatus !== 'idle' }} isEmpty={(d) => d.length === 0} empty="Уведомлений нет.">
        {(d) => <List size="small" dataSource={d} renderItem={(n) => <List.Item key={n.id}>{`${notificationTitle(n)} — ${formatInstant(n.firedAt)}`}</List.Item>} />}
      </QueryState>
    </Card>
  );
}

const DRIVE_COLUMNS: TableColumnsType<Drive> = [
  { title: 'ФН', dataIndex: 'fn' },
  { title: 'Зарегистрирован', key: 'r', render: (_, d) => formatLocalDateTime(d.registeredAt) },
  { title: 'Действует до', key: 'e', render: (_, d) => `${formatLocalDateTime(d.forecast.expiresOn)}${d.forecast.daysLeft !== null ? ` (${d.forecast.daysLeft} дн.)` : ''}` },
  { title: 'Последний ФД', key: 'l', render: (_, d) => d.lastFd ?? '—' },
  { title: 'Пропущено ФД', key: 'm', render: (_, d) => d.missing.documents },
  { title: 'Закрыт', key: 'c', render: (_, d) => (d.closedAt ? formatLocalDateTime(d.closedAt) : 'нет') },
];

export function DrivesCard({ drives }: { drives: Drive[] }) {
  return (
    <Card size="small" title="Фискальные накопители">
      <Table<Drive> rowKey="fn" size="small" dataSource={drives} pagination={false} scroll={{ x: 700 }} columns={DRIVE_COLUMNS} />
    </Card>
  );
}

export function LastDocumentsCard({ registerId, docs }: { registerId: number; docs: ReturnType<typeof useLastDocuments> }) {
  return (
    <Card size="small" title="Последние документы" extra={<Link to={`/receipts?registerId=${registerId}`}>Все чеки кассы</Link>}>
      <QueryState query={docs} isEmpty={(d) => d.items.length === 0} empty="Документов ещё нет.">
        {(d) => (
          <List
            size="small"
            dataSource={d.items}
            renderItem={(doc) => (
              <List.Item key={`${doc.fn}-${doc.fd}`}>
                <Link to={`/receipts/${doc.fn}/${doc.fd}`}>
                  ФД {doc.fd} · {doc.formName ?? doc.form} · {formatLocalDateTime(doc.dateTime)}
                  {doc.totalSum !== null ? ` · ${formatMoney(doc.totalSum)}` : ''}
                </Link>
              </List.Item>
            )}
          />
        )}
      </QueryState>
    </Card>
  );
}
