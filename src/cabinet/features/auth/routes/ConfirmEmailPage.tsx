import { Button, Result } from 'antd';
import { useEffect, useRef } from 'react';
import { Link, useSearchParams } from 'react-router';
import { LoadingState } from '../../../components/QueryState';
import { errorText } from '../../../lib/api/errors';
import { useConfirmEmail } from '../api/session';
import { AuthCard } from '../components/AuthCard';

/** The landing page of the confirmation e-mail's link: confirms the token once, then offers sign-in. */
export default function ConfirmEmailPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const confirm = useConfirmEmail();
  const asked = useRef(false);
  useEffect(() => {
    // Once, even under StrictMode's double effects: the token is single-use.
    if (asked.current || token === '') return;
    asked.current = true;
    confirm.mutate(token);
  }, [token, confirm]);

  return (
    <AuthCard title="Подтверждение адреса">
      {token === '' ? (
        <Result status="warning" title="В ссылке нет кода" subTitle="Откройте ссылку из письма целиком или запросите новое письмо при входе." />
      ) : confirm.isSuccess ? (
        <Result
          status="success"
          title="Адрес подтверждён"
          subTitle={`Учётная запись ${confirm.data.email} активна.`}
          extra={
            <Link to="/sign-in">
              <Button type="primary">Войти</Button>
            </Link>
          }
        />
      ) : confirm.isError ? (
        <Result status="error" title="Не удалось подтвердить адрес" subTitle={errorText(confirm.error)} extra={<Link to="/sign-in">Ко входу</Link>} />
      ) : (
        <LoadingState label="Подтверждаем адрес…" />
      )}
    </AuthCard>
  );
}
