/**
 * The page an invitation e-mail links to (`/invitations/:token`, for signed-out visitors too): what the invitation
 * offers; sign in or sign up with the invited address, then join.
 */
import { Alert, Button, Card, Result, Space, Typography } from 'antd';
import { Link, useNavigate, useParams } from 'react-router';
import { LoadingState } from '../../../components/QueryState';
import { errorText } from '../../../lib/api/errors';
import { useAcceptInvitation, useInvitationPreview, useSignedIn } from '../api/onboarding';
import { INVITATION_STATUS, ROLE_HINT, ROLE_LABEL } from '../lib/labels';

export default function InvitationPage() {
  const { token = '' } = useParams();
  const preview = useInvitationPreview(token);
  const session = useSignedIn();
  const accept = useAcceptInvitation();
  const navigate = useNavigate();
  const here = `/invitations/${token}`;

  let body;
  if (preview.isPending || session.isPending) body = <LoadingState />;
  else if (preview.error || !preview.data) body = <Result status="warning" title="Приглашение не найдено" subTitle="Ссылка неверна или приглашение отозвано. Попросите прислать новое." />;
  else if (preview.data.status !== 'pending')
    body = <Result status="info" title={`Приглашение ${INVITATION_STATUS[preview.data.status]?.text.toLowerCase() ?? preview.data.status}`} subTitle="Попросите владельца организации прислать новое." extra={<Link to="/">В кабинет</Link>} />;
  else {
    const p = preview.data;
    body = (
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Typography.Paragraph>
          Вас пригласили в кабинет организации <b>{p.organizationName ?? 'без названия'}</b> (ИНН {p.inn}) с ролью <b>{ROLE_LABEL[p.role]}</b>: {ROLE_HINT[p.role]}.
        </Typography.Paragraph>
        <Typography.Paragraph type="secondary">Приглашение для {p.email}.</Typography.Paragraph>
        {session.data ? (
          <>
            {accept.error ? <Alert type="error" showIcon role="alert" title={errorText(accept.error)} /> : null}
            <Button type="primary" loading={accept.isPending} onClick={() => accept.mutate(token, { onSuccess: () => void navigate('/') })}>
              Присоединиться
            </Button>
          </>
        ) : (
          <Space wrap>
            <Link to={`/sign-in?next=${encodeURIComponent(here)}`}>
              <Button type="primary">Войти{p.accountExists ? '' : ', если уже есть учётная запись'}</Button>
            </Link>
            {p.accountExists ? null : (
              <Link to="/sign-up">
                <Button>Зарегистрироваться</Button>
              </Link>
            )}
          </Space>
        )}
        {!session.data && !p.accountExists ? (
          <Typography.Paragraph type="secondary">После регистрации подтвердите адрес из письма, войдите и откройте эту ссылку ещё раз.</Typography.Paragraph>
        ) : null}
      </Space>
    );
  }
  return (
    <div style={{ maxWidth: 560, margin: '48px auto', padding: 16 }}>
      <Card title="Приглашение в кабинет ОФД">{body}</Card>
    </div>
  );
}
