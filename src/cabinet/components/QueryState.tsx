/**
 * Loading, error and empty states of a remote call, the same everywhere: a spinner with a label while loading, the
 * API's error code turned into what to do (with a retry), and an empty state that says what to do next.
 */
import { Alert, Button, Empty, Spin } from 'antd';
import type { ReactNode } from 'react';
import { errorText } from '../lib/api/errors';

interface QueryLike<T> {
  data: T | undefined;
  isPending: boolean;
  error: unknown;
  refetch: () => unknown;
}

export function LoadingState({ label = 'Загрузка…' }: { label?: string }) {
  return (
    <div role="status" aria-live="polite" style={{ padding: 48, textAlign: 'center' }}>
      <Spin />
      <div style={{ marginTop: 8, color: 'rgba(0,0,0,0.65)' }}>{label}</div>
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => unknown }) {
  return (
    <Alert
      type="warning"
      showIcon
      role="alert"
      title="Не удалось загрузить данные"
      description={errorText(error)}
      action={onRetry ? <Button onClick={() => void onRetry()}>Повторить</Button> : undefined}
      style={{ margin: '24px 0' }}
    />
  );
}

export function EmptyState({ title, hint, action }: { title: string; hint?: ReactNode; action?: ReactNode }) {
  return (
    <Empty
      description={
        <div>
          <div style={{ fontWeight: 500 }}>{title}</div>
          {hint ? <div style={{ color: 'rgba(0,0,0,0.65)', marginTop: 4 }}>{hint}</div> : null}
        </div>
      }
    >
      {action}
    </Empty>
  );
}

export function QueryState<T>({
  query,
  isEmpty,
  empty,
  children,
  loadingLabel,
}: {
  query: QueryLike<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  loadingLabel?: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <LoadingState label={loadingLabel} />;
  if (query.error || query.data === undefined) return <ErrorState error={query.error} onRetry={query.refetch} />;
  if (isEmpty?.(query.data)) return <>{empty}</>;
  return <>{children(query.data)}</>;
}
