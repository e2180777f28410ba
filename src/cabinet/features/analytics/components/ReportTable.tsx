/**
 * Any report's table from its own column list (titles as in the exports), in Russian formats, numbers right-aligned and
 * sortable, with the «Итого» row of the API's totals (net money). A cell with a link opens what it counts (the receipts
 * in Чеки, a shift, a register).
 */
import { Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { Report, ReportRow } from '../api/reports';
import { compareCells, formatCell } from '../lib/cells';

const NUMERIC = new Set(['money', 'int', 'decimal']);

export interface ReportTableProps {
  report: Pick<Report, 'columns' | 'items' | 'totals'>;
  /** Where a cell leads, when it should. */
  linkOf?: (row: ReportRow, key: string) => string | undefined;
  /** A cell drawn by the screen instead (a tag, a progress bar). */
  renderOf?: (row: ReportRow, key: string) => ReactNode | undefined;
  rowKey: (row: ReportRow, index: number) => string;
  hide?: readonly string[];
  caption?: string;
  pageSize?: number;
  rowClassName?: (row: ReportRow) => string;
}

export function ReportTable({ report, linkOf, renderOf, rowKey, hide = [], caption, pageSize = 50, rowClassName }: ReportTableProps) {
  const cols = report.columns.filter((c) => !hide.includes(c.key));
  const hasTotals = cols.some((c) => c.total);
  const rows = report.items.map((r, i) => ({ ...r, __key: rowKey(r, i) }));
  const columns: ColumnsType<ReportRow & { __key: string }> = cols.map((c) => ({
    key: c.key,
    title: c.title,
    dataIndex: c.key,
    align: NUMERIC.has(c.kind) ? 'right' : 'left',
    sorter: (a, b) => compareCells(c.kind, a[c.key], b[c.key]),
    render: (_: unknown, row) => {
      const custom = renderOf?.(row, c.key);
      if (custom !== undefined) return custom;
      const text = formatCell(c.kind, row[c.key]);
      const href = text === '—' ? undefined : linkOf?.(row, c.key);
      return href ? <Link to={href}>{text}</Link> : text;
    },
    onCell: () => ({ style: { whiteSpace: NUMERIC.has(c.kind) ? 'nowrap' : undefined } }),
  }));
  return (
    <Table
      size="small"
      rowKey="__key"
      columns={columns}
      dataSource={rows}
      rowClassName={rowClassName}
      scroll={{ x: 'max-content' }}
      pagination={rows.length > pageSize ? { pageSize, showSizeChanger: false, showTotal: (n) => `${n} строк` } : false}
      title={caption ? () => <Typography.Text strong>{caption}</Typography.Text> : undefined}
      summary={
        hasTotals && rows.length > 0
          ? () => (
              <Table.Summary fixed>
                <Table.Summary.Row className="report-totals">
                  {cols.map((c, i) => (
                    <Table.Summary.Cell key={c.key} index={i} align={NUMERIC.has(c.kind) ? 'right' : 'left'}>
                      <strong>{c.total ? formatCell(c.kind, report.totals[c.key] ?? 0) : i === 0 ? 'Итого' : ''}</strong>
                    </Table.Summary.Cell>
                  ))}
                </Table.Summary.Row>
              </Table.Summary>
            )
          : undefined
      }
    />
  );
}
