import { Alert, Button, Form, Input, Space } from 'antd';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { errorText } from '../../../lib/api/errors';
import { useSignIn } from '../api/session';
import { AuthCard } from '../components/AuthCard';
import { safeNextPath } from '../lib/next-path';

export default function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const signIn = useSignIn();
  const next = safeNextPath(params.get('next'));
  return (
    <AuthCard title="Вход">
      {params.get('ended') === '1' ? <Alert type="info" showIcon style={{ marginBottom: 16 }} title="Сеанс завершён. Войдите снова — вы вернётесь туда, где были." /> : null}
      {params.get('password') === 'changed' ? <Alert type="success" showIcon style={{ marginBottom: 16 }} title="Пароль изменён. Войдите с новым паролем." /> : null}
      <Form
        layout="vertical"
        requiredMark={false}
        onFinish={(v: { email: string; password: string }) => signIn.mutate(v, { onSuccess: () => void navigate(next, { replace: true }) })}
      >
        <Form.Item label="Электронная почта" name="email" rules={[{ required: true, type: 'email', message: 'Введите адрес электронной почты' }]}>
          <Input autoComplete="username" inputMode="email" autoFocus />
        </Form.Item>
        <Form.Item label="Пароль" name="password" rules={[{ required: true, message: 'Введите пароль' }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        {signIn.error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorText(signIn.error)} /> : null}
        <Button type="primary" htmlType="submit" block loading={signIn.isPending}>
          Войти
        </Button>
      </Form>
      <Space orientation="vertical" style={{ marginTop: 16 }}>
        <Link to="/forgot-password">Забыли пароль?</Link>
        <span>
          Нет учётной записи? <Link to="/sign-up">Зарегистрироваться</Link>
        </span>
      </Space>
    </AuthCard>
  );
}
