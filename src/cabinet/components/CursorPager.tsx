/** The pager of a cursor list: back to the first page when not on it, the next 50 while there are more. */
import { Button, Space } from 'antd';
import type { ReactNode } from 'react';

export function CursorPager({
  cursor,
  nextCursor,
  onCursor,
  loading,
  end,
  wrap,
}: {
  cursor: string | undefined;
  nextCursor: string | null;
  onCursor: (cursor: string | undefined) => void;
  loading?: boolean;
  /** What stands in place of the next button on the last page. */
  end?: ReactNode;
  wrap?: boolean;
}) {
  return (
    <Space style={{ marginTop: 16 }} wrap={wrap}>
      {cursor !== undefined ? <Button onClick={() => onCursor(undefined)}>В начало списка</Button> : null}
      {nextCursor !== null ? (
        <Button type="primary" loading={loading} onClick={() => onCursor(nextCursor)}>
          Следующие 50
        </Button>
      ) : (
        (end ?? null)
      )}
    </Space>
  );
}
