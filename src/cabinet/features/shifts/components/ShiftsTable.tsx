/** The table of closed shifts: the register, the times, the Z-report's count against the receipts received. */
import { Table, Tag } from 'antd';
import type { TableColumnsType } from 'antd';
import { Link } from 'react-router';
import { formatCount, formatLocalDateTime, formatMoney } from '../../../lib/format';
import type { Shift } from '../api/shifts';

function Reconciliation({ s }: { s: Shift }) {
  if (s.report.receiptsQuantity === null) return <Tag>Нет Z-отчёта</Tag>;
  if (s.report.receiptsQuantity <= s.received.receipts) return <Tag color="green">Сходится</Tag>;
  return <Tag color="red">Не хватает {s.report.receiptsQuantity - s.received.receipts}</Tag>;
}

function shiftColumns(rn: Map<number, string>): TableColumnsType<Shift> {
  return [
    { title: 'Смена', key: 'n', render: (_, s) => <Link to={`/shifts/${s.fn}/${s.shiftNumber}`}>№ {s.shiftNumber}</Link> },
    { title: 'Касса', key: 'rn', render: (_, s) => (s.registerId === null ? '—' : `РН ${rn.get(s.registerId) ?? s.registerId}`) },
    { title: 'Открыта', key: 'o', render: (_, s) => formatLocalDateTime(s.openedAt) },
    { title: 'Закрыта', key: 'c', render: (_, s) => formatLocalDateTime(s.closedAt) },
    { title: 'Чеков по Z-отчёту', key: 'rq', align: 'right', render: (_, s) => formatCount(s.report.receiptsQuantity) },
    { title: 'Получено чеков', key: 'rr', align: 'right', render: (_, s) => formatCount(s.received.receipts) },
    { title: 'Приход', key: 'sell', align: 'right', render: (_, s) => formatMoney(s.received.sellTotalSum) },
    { title: 'Возврат прихода', key: 'ret', align: 'right', render: (_, s) => formatMoney(s.received.sellReturnTotalSum) },
    { title: 'Сверка', key: 'ok', render: (_, s) => <Reconciliation s={s} /> },
  ];
}

export function ShiftsTable({ rows, rn }: { rows: Shift[]; rn: Map<number, string> }) {
  return <Table<Shift> rowKey={(s) => `${s.fn}-${s.shiftNumber}`} dataSource={rows} pagination={false} scroll={{ x: 900 }} columns={shiftColumns(rn)} />;
}
