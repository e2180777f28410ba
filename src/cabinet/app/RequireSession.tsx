/**
 * The signed-in part of the cabinet. No session (or a session that ends mid-use: any 401 UNAUTHENTICATED) → the
 * sign-in page with `next` set to where the user was, so signing in brings them back there.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import { ErrorState, LoadingState } from '../components/QueryState';
import { sessionStore } from '../lib/api/session-store';
import { SESSION_KEY, useSession } from '../features/auth/api/session';

export function RequireSession() {
  const session = useSession();
  const location = useLocation();
  const qc = useQueryClient();
  const ended = useRef(false);
  useEffect(
    () =>
      sessionStore.onEnded(() => {
        ended.current = true;
        qc.setQueryData(SESSION_KEY, null);
      }),
    [qc],
  );

  if (session.isPending) return <LoadingState label="Открываем кабинет…" />;
  if (session.error) return <ErrorState error={session.error} onRetry={session.refetch} />;
  if (session.data === null) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}${ended.current ? '&ended=1' : ''}`} replace />;
  }
  return <Outlet />;
}
