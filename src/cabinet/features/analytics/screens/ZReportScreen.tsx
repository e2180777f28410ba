import { Alert, Tag } from 'antd';
import { formatCount } from '../../../lib/format';
import { PERIOD_EMPTY_HINT, ReportScreen } from '../components/ReportScreen';
import { ReportTable } from '../components/ReportTable';
import { receiptsHref } from '../lib/filters';
import type { ScreenContext } from './context';

export default function ZReportScreen(ctx: ScreenContext) {
  return (
    <ReportScreen name="z-report" query={ctx.query} emptyTitle="Нет закрытых смен за период" emptyHint={`${PERIOD_EMPTY_HINT} Смена попадает в отчёт, когда касса передала отчёт о закрытии смены.`}>
      {(r) => {
        const bad = r.items.filter((i) => i['matches'] === 'нет').length;
        return (
          <>
            {bad > 0 ? (
              <Alert
                type="error"
                showIcon
                style={{ marginBottom: 12 }}
                title={`Не сходится смен: ${formatCount(bad)}`}
                description="Счётчики ФН в отчёте о закрытии смены больше, чем пришло чеков: часть документов ещё не передана. Откройте смену, чтобы увидеть пропущенные номера ФД."
              />
            ) : (
              <Alert type="success" showIcon style={{ marginBottom: 12 }} title="Все смены сходятся с полученными чеками" />
            )}
            <ReportTable
              report={r}
              rowKey={(row) => `${row['fn']}-${row['shiftNumber']}`}
              renderOf={(row, key) => (key === 'matches' ? <Tag color={row['matches'] === 'да' ? 'green' : 'red'}>{String(row['matches'])}</Tag> : undefined)}
              linkOf={(row, key) => {
                if (key === 'shiftNumber' || key === 'missingReceipts' || key === 'reportReceipts') return `/shifts/${row['fn']}/${row['shiftNumber']}`;
                if (key === 'receivedReceipts' || key === 'sellSum') return receiptsHref(ctx.filters, ctx.period, { fn: String(row['fn']), day: String(row['closedAt'] ?? '').slice(0, 10) || undefined, operationType: key === 'sellSum' ? 1 : undefined });
                return undefined;
              }}
            />
          </>
        );
      }}
    </ReportScreen>
  );
}
