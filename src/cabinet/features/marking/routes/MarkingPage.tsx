/** Чеки → Маркировка: each sold marked code, its check at sale and its way to the CRPT (Честный знак), by stage. */
import { Button, Select, Space, Steps, Table, Tag } from 'antd';
import { Link } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { useAllRegisters } from '../../../lib/api/lookups';
import { formatLocalDateTime, formatMoney } from '../../../lib/format';
import { useUrlFilters } from '../../../lib/url-filters';
import { useMarkingCodes, type MarkingCode } from '../api/marking';

const FILTERS = { stage: 'string', result: 'string', registerId: 'int', cursor: 'string' } as const;
const STAGES = ['checked', 'delivered', 'crpt_answered'] as const;
const STAGE_LABEL: Record<string, string> = { not_sent: 'Не передан', checked: 'Проверен при продаже', delivered: 'Передан в ЧЗ', crpt_answered: 'Ответ ЧЗ' };
const RESULT: Record<string, { text: string; color: string }> = {
  ok: { text: 'Код верный', color: 'green' },
  failed: { text: 'Проверка не пройдена', color: 'red' },
  not_checked: { text: 'Не проверялся', color: 'default' },
};

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

export default function MarkingPage() {
  const [f, setF] = useUrlFilters(FILTERS);
  const codes = useMarkingCodes({ limit: 50, ...f } as Parameters<typeof useMarkingCodes>[0]);
  const registers = useAllRegisters();
  return (
    <>
      <PageHeader title="Маркировка" />
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          aria-label="Этап"
          placeholder="Любой этап"
          allowClear
          value={f.stage}
          onChange={(stage?: string) => setF({ ...f, stage, cursor: undefined })}
          options={Object.entries(STAGE_LABEL).map(([value, label]) => ({ value, label }))}
          style={{ width: 220 }}
        />
        <Select
          aria-label="Результат проверки"
          placeholder="Любой результат"
          allowClear
          value={f.result}
          onChange={(result?: string) => setF({ ...f, result, cursor: undefined })}
          options={Object.entries(RESULT).map(([value, r]) => ({ value, label: r.text }))}
          style={{ width: 220 }}
        />
        <Select
          aria-label="Касса"
          placeholder="Все кассы"
          allowClear
          value={f.registerId}
          onChange={(registerId?: number) => setF({ ...f, registerId, cursor: undefined })}
          options={(registers.data?.items ?? []).map((r) => ({ value: r.id, label: `РН ${r.registrationNumber}` }))}
          style={{ width: 240 }}
        />
      </Space>
      <QueryState
        query={codes}
        loadingLabel="Загружаем коды маркировки…"
        isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState title="Нет проданных маркированных товаров" hint="Коды появятся здесь, когда касса продаст маркированный товар. Проверьте фильтры." />}
      >
        {(d) => (
          <>
            <Table<MarkingCode>
              rowKey={(m) => `${m.fn}-${m.fd}-${m.itemIndex}`}
              dataSource={d.items}
              pagination={false}
              scroll={{ x: 1250 }}
              columns={[
                { title: 'Чек', key: 'doc', render: (_, m) => <Link to={`/receipts/${m.fn}/${m.fd}`}>ФД {m.fd}</Link> },
                { title: 'Дата и время', key: 'dt', render: (_, m) => formatLocalDateTime(m.dateTime) },
                { title: 'Товар', key: 'item', render: (_, m) => m.itemName ?? '—' },
                { title: 'Код', key: 'code', width: 260, render: (_, m) => <span style={{ fontFamily: 'monospace', fontSize: 12, overflowWrap: 'anywhere' }}>{m.code}</span> },
                { title: 'Проверка при продаже', key: 'res', render: (_, m) => <Tag color={RESULT[m.result]?.color}>{RESULT[m.result]?.text}</Tag> },
                { title: 'Этапы', key: 'stage', render: (_, m) => <StageSteps m={m} /> },
                { title: 'Сумма чека', key: 'sum', align: 'right', render: (_, m) => formatMoney(m.totalSum) },
              ]}
            />
            <Space style={{ marginTop: 16 }}>
              {f.cursor !== undefined ? <Button onClick={() => setF({ ...f, cursor: undefined })}>В начало списка</Button> : null}
              {d.nextCursor !== null ? <Button type="primary" onClick={() => setF({ ...f, cursor: d.nextCursor ?? undefined })}>Следующие 50</Button> : null}
            </Space>
          </>
        )}
      </QueryState>
    </>
  );
}
