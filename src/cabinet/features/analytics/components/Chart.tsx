/**
 * A chart, with ECharts (≈ 200 KB gzipped) in a chunk of its own: the filters and tables of a report show at once, the
 * picture a moment later. Screens pass plain ECharts options (Record); the types stay in EChart.tsx.
 */
import { Skeleton } from 'antd';
import { lazy, Suspense } from 'react';

const EChart = lazy(() => import('./EChart'));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ECharts' option types are its own; screens build plain objects.
export type ChartOption = Record<string, any>;

export function Chart(props: { option: ChartOption; height?: number; label: string; onClick?: (p: { dataIndex: number; seriesIndex?: number; name: string; data: unknown }) => void }) {
  const height = props.height ?? 320;
  return (
    <Suspense fallback={<div style={{ height }} aria-hidden><Skeleton active paragraph={{ rows: 4 }} /></div>}>
      <EChart {...props} />
    </Suspense>
  );
}
