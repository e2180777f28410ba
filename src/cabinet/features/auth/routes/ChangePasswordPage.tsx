import { Alert, Button, Card, Form, Input } from 'antd';
import { PageHeader } from '../../../components/PageHeader';
import { errorText } from '../../../lib/api/errors';
import { useChangePassword } from '../api/session';
import { NewPasswordFields } from '../components/NewPasswordFields';

export default function ChangePasswordPage() {
  const [form] = Form.useForm<{ currentPassword: string; password: string; password2: string }>();
  const password = Form.useWatch('password', form) ?? '';
  const change = useChangePassword();
  return (
    <>
      <PageHeader title="Смена пароля" />
      <Card style={{ maxWidth: 480 }}>
        {change.isSuccess ? (
          <Alert type="success" showIcon role="status" title="Пароль изменён. Другие сеансы и токены завершены; этот продолжает работать." />
        ) : (
          <Form
            form={form}
            layout="vertical"
            requiredMark={false}
            onFinish={(v) => change.mutate({ currentPassword: v.currentPassword, newPassword: v.password })}
          >
            <Form.Item label="Текущий пароль" name="currentPassword" rules={[{ required: true, message: 'Введите текущий пароль' }]}>
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            <NewPasswordFields password={password} />
            {change.error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorText(change.error)} /> : null}
            <Button type="primary" htmlType="submit" loading={change.isPending}>
              Сменить пароль
            </Button>
          </Form>
        )}
      </Card>
    </>
  );
}
