/**
 * The frame of every report screen: the figures' state (loading, an error with what to do, empty with what to try),
 * the API's warnings about the figures, the downloads of the same report, then the screen's chart and table.
 */
import { Alert, Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { DownloadButtons } from '../../../components/DownloadButtons';
import { EmptyState, ErrorState, LoadingState } from '../../../components/QueryState';
import { reportFileUrl, useReport, type Report, type ReportName, type ReportQuery } from '../api/reports';

export interface ScreenProps {
  query: ReportQuery;
}

export function ReportScreen({ name, query, emptyTitle, emptyHint, children, extraActions }: { name: ReportName; query: ReportQuery; emptyTitle: string; emptyHint: ReactNode; children: (r: Report) => ReactNode; extraActions?: ReactNode }) {
  const report = useReport(name, query);
  const r = report.data;
  return (
    <section aria-busy={report.isFetching}>
      <Space wrap style={{ marginBottom: 12, justifyContent: 'space-between', width: '100%' }}>
        <DownloadButtons urlOf={(format) => reportFileUrl(name, query, format)} baseName={name} disabled={!r} />
        {extraActions}
      </Space>
      {report.isPending ? (
        <LoadingState label="Считаем отчёт…" />
      ) : report.error || !r ? (
        <ErrorState error={report.error} onRetry={report.refetch} />
      ) : (
        <>
          {r.warnings.map((w) => (
            <Alert key={w} type="warning" showIcon title={w} style={{ marginBottom: 12 }} />
          ))}
          {r.items.length === 0 ? (
            <EmptyState title={emptyTitle} hint={emptyHint} action={<Link to="/registers">Проверить кассы</Link>} />
          ) : (
            children(r)
          )}
        </>
      )}
      {report.isFetching && !report.isPending ? (
        <Typography.Text type="secondary" role="status">
          Обновляем…
        </Typography.Text>
      ) : null}
    </section>
  );
}

export const PERIOD_EMPTY_HINT = 'За выбранный период чеков нет. Выберите другой период или снимите фильтр точки и кассы.';
