/**
 * The operator's area (app/routes.tsx `operatorOnly`): only the operator's staff pass (the session's `operator`, set by
 * the server from OFD_OPERATOR_EMAILS). Anyone else who opens such a URL gets «Нет доступа» — the API refuses them too.
 */
import { Button, Result } from 'antd';
import { Link, Outlet } from 'react-router';
import { useSession } from '../features/auth/api/session';

export function NoAccessPage() {
  return (
    <Result
      status="403"
      title="Нет доступа"
      subTitle="Этот раздел — для сотрудников оператора ОФД. Вернитесь на главную; если вы сотрудник оператора, попросите администратора выдать вам доступ и войдите заново."
      extra={
        <Link to="/">
          <Button type="primary">На главную</Button>
        </Link>
      }
    />
  );
}

export function RequireOperator() {
  // RequireSession above has loaded the session: it is in the cache here.
  const session = useSession();
  return session.data?.operator === true ? <Outlet /> : <NoAccessPage />;
}
