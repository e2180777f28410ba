import { Alert, Button, Form, Input, Result } from 'antd';
import { Link } from 'react-router';
import { errorText } from '../../../lib/api/errors';
import { useRequestReset } from '../api/session';
import { AuthCard } from '../components/AuthCard';

export default function ForgotPasswordPage() {
  const request = useRequestReset();
  return (
    <AuthCard title="Восстановление пароля">
      {request.isSuccess ? (
        <Result
          status="success"
          title="Проверьте почту"
          subTitle="Если адрес зарегистрирован, мы отправили на него ссылку для смены пароля. Ссылка действует 1 час."
          extra={<Link to="/sign-in">Ко входу</Link>}
        />
      ) : (
        <Form layout="vertical" requiredMark={false} onFinish={(v: { email: string }) => request.mutate(v.email)}>
          <p>Укажите адрес, с которым вы регистрировались: пришлём ссылку для смены пароля.</p>
          <Form.Item label="Электронная почта" name="email" rules={[{ required: true, type: 'email', message: 'Введите адрес электронной почты' }]}>
            <Input autoComplete="email" inputMode="email" autoFocus />
          </Form.Item>
          {request.error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorText(request.error)} /> : null}
          <Button type="primary" htmlType="submit" block loading={request.isPending}>
            Отправить ссылку
          </Button>
          <p style={{ marginTop: 16 }}>
            <Link to="/sign-in">Вспомнили пароль? Войти</Link>
          </p>
        </Form>
      )}
    </AuthCard>
  );
}
