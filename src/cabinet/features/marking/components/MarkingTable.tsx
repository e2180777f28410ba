/** The table of sold marked codes: the receipt, the product, the code, the check at sale and its stages to the CRPT. */
import { Steps, Table, Tag } from 'antd';
import type { TableColumnsType } from 'antd';
import { Link } from 'react-router';
import { formatLocalDateTime, formatMoney } from '../../../lib/format';
import type { MarkingCode } from '../api/marking';
import { RESULT, STAGE_LABEL, STAGES } from '../lib/marking-labels';

function StageSteps({ m }: { m: MarkingCode }) {
  const current = m.stage === 'not_sent' ? -1 : STAGES.indexOf(m.stage);
  return (
    <Steps
      size="small"
      current={current}
      aria-label={`Этап: ${STAGE_LABEL[m.stage]}`}
      data-stage={m.stage}
      items={STAGES.map((s) => ({ title: STAGE_LABEL[s] }))}
      style={{ minWidth: 360 }}
    />
  );
}

const COLUMNS: TableColumnsType<MarkingCode> = [
  { title: 'Чек', key: 'doc', render: (_, m) => <Link to={`/receipts/${m.fn}/${m.fd}`}>ФД {m.fd}</Link> },
  { title: 'Дата и время', key: 'dt', render: (_, m) => formatLocalDateTime(m.dateTime) },
  { title: 'Товар', key: 'item', render: (_, m) => m.itemName ?? '—' },
  { title: 'Код', key: 'code', width: 260, render: (_, m) => <span style={{ fontFamily: 'monospace', fontSize: 12, overflowWrap: 'anywhere' }}>{m.code}</span> },
  { title: 'Проверка при продаже', key: 'res', render: (_, m) => <Tag color={RESULT[m.result]?.color}>{RESULT[m.result]?.text}</Tag> },
  { title: 'Этапы', key: 'stage', render: (_, m) => <StageSteps m={m} /> },
  { title: 'Сумма чека', key: 'sum', align: 'right', render: (_, m) => formatMoney(m.totalSum) },
];

export function MarkingTable({ rows }: { rows: MarkingCode[] }) {
  return <Table<MarkingCode> rowKey={(m) => `${m.fn}-${m.fd}-${m.itemIndex}`} dataSource={rows} pagination={false} scroll={{ x: 1250 }} columns={COLUMNS} />;
}
