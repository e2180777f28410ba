import { Alert, Button, Form, Result } from 'antd';
import { Link, useSearchParams } from 'react-router';
import { errorText } from '../../../lib/api/errors';
import { useResetPassword } from '../api/session';
import { AuthCard } from '../components/AuthCard';
import { NewPasswordFields } from '../components/NewPasswordFields';

/** The landing page of the reset e-mail's link. */
export default function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [form] = Form.useForm<{ password: string; password2: string }>();
  const password = Form.useWatch('password', form) ?? '';
  const reset = useResetPassword();

  if (token === '') {
    return (
      <AuthCard title="Новый пароль">
        <Result status="warning" title="В ссылке нет кода" subTitle="Откройте ссылку из письма целиком или запросите новую." extra={<Link to="/forgot-password">Запросить ссылку</Link>} />
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Новый пароль">
      {reset.isSuccess ? (
        <Result status="success" title="Пароль изменён" subTitle="Все прежние сеансы завершены. Войдите с новым паролем." extra={<Link to="/sign-in">Войти</Link>} />
      ) : (
        <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => reset.mutate({ token, password: v.password })}>
          <NewPasswordFields password={password} />
          {reset.error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorText(reset.error)} /> : null}
          <Button type="primary" htmlType="submit" block loading={reset.isPending}>
            Сохранить пароль
          </Button>
        </Form>
      )}
    </AuthCard>
  );
}
