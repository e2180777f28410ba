/** The account history: every movement with its reason and basis, newest first; the whole of it as xlsx. */
import { DownloadOutlined } from '@ant-design/icons';
import { Button, Card, DatePicker, Table, Typography, type TableColumnsType } from 'antd';
import dayjs from 'dayjs';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { useAllRegisters } from '../../../lib/api/lookups';
import { formatCount, formatInstant, formatMoney } from '../../../lib/format';
import { useAccountHistory, useTariffs, type HistoryLine } from '../api/billing';
import { referenceText, type ReferenceNames } from '../lib/references';
import { moscowPeriod } from '../lib/service-term';
import { useUrlFilters } from '../../../lib/url-filters';

const PERIOD = { organizationId: 'int', from: 'string', to: 'string', topUp: 'string', amount: 'int' } as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The history of the period in the URL (kept there with the page's other parameters, as they are). */
function useHistory(organizationId: number) {
  const [f, setF] = useUrlFilters(PERIOD);
  const from = f.from && DAY.test(f.from) ? f.from : undefined;
  const to = f.to && DAY.test(f.to) ? f.to : undefined;
  const period = moscowPeriod(from, to);
  const history = useAccountHistory(organizationId, period);
  const registers = useAllRegisters();
  const tariffs = useTariffs();
  const names = {
    registers: new Map((registers.data?.items ?? []).map((r) => [r.id, r.registrationNumber])),
    tariffs: new Map((tariffs.data?.items ?? []).map((t) => [t.id, t.name])),
  };
  const query = { ...history, data: history.data ? history.data.pages.flatMap((p) => p.items) : undefined };
  const setPeriod = (v: [string | undefined, string | undefined]) => setF({ ...f, from: v[0], to: v[1] });
  return { from, to, period, history, names, query, setPeriod };
}

function historyColumns(names: ReferenceNames): TableColumnsType<HistoryLine> {
  return [
    { title: 'Дата', dataIndex: 'postedAt', render: (v: string) => formatInstant(v) },
    { title: 'Операция', dataIndex: 'title' },
    { title: 'Основание', dataIndex: 'reference', responsive: ['md'], render: (v: string) => referenceText(v, names) },
    {
      title: 'Сумма',
      dataIndex: 'amount',
      align: 'right',
      render: (v: number) => (v === 0 ? '—' : <Typography.Text type={v > 0 ? 'success' : undefined}>{v > 0 ? `+${formatMoney(v)}` : formatMoney(v)}</Typography.Text>),
    },
    { title: 'SMS', dataIndex: 'sms', align: 'right', responsive: ['sm'], render: (v: number) => (v === 0 ? '' : v > 0 ? `+${formatCount(v)}` : formatCount(v)) },
  ];
}

function ExcelLink({ organizationId, period }: { organizationId: number; period: ReturnType<typeof moscowPeriod> }) {
  const xlsx = new URLSearchParams({ format: 'xlsx', ...period });
  return (
    <a href={`/api/v1/organizations/${organizationId}/account-history?${xlsx.toString()}`} download>
      <Button size="small" icon={<DownloadOutlined />}>
        Excel
      </Button>
    </a>
  );
}

export function HistoryTable({ organizationId }: { organizationId: number }) {
  const { from, to, period, history, names, query, setPeriod } = useHistory(organizationId);
  const empty = from || to ? <EmptyState title="За этот период движений нет" hint="Выберите другой период или очистите его." /> : <EmptyState title="Движений пока нет" hint="Пополните баланс картой или по счёту — операция появится здесь." />;
  return (
    <Card title="История движения средств" size="small" extra={<ExcelLink organizationId={organizationId} period={period} />}>
      <DatePicker.RangePicker
        aria-label="Период"
        format="DD.MM.YYYY"
        allowEmpty={[true, true]}
        value={from || to ? [from ? dayjs(from) : null, to ? dayjs(to) : null] : null}
        onChange={(v) => setPeriod([v?.[0]?.format('YYYY-MM-DD'), v?.[1]?.format('YYYY-MM-DD')])}
        style={{ marginBottom: 12, maxWidth: '100%' }}
      />
      <QueryState query={query} isEmpty={(items) => items.length === 0} empty={empty}>
        {(items: HistoryLine[]) => (
          <>
            <Table<HistoryLine> rowKey="transactionId" size="small" pagination={false} scroll={{ x: 'max-content' }} dataSource={items} columns={historyColumns(names)} />
            {history.hasNextPage ? (
              <Button style={{ marginTop: 12 }} onClick={() => void history.fetchNextPage()} loading={history.isFetchingNextPage}>
                Показать ещё
              </Button>
            ) : null}
          </>
        )}
      </QueryState>
    </Card>
  );
}
