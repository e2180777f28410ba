import { Alert, Button, Checkbox, Form, Input, Result } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { errorText } from '../../../lib/api/errors';
import { useSignUp } from '../api/session';
import { AuthCard } from '../components/AuthCard';
import { PasswordRules } from '../components/PasswordRules';
import { applyFieldErrors } from '../lib/form-errors';
import { passwordOk } from '../lib/password-rules';

interface Values {
  fullName: string;
  phone: string;
  email: string;
  password: string;
  password2: string;
  acceptOffer: boolean;
}

/** +7 (912) 345-67-89, 8 912 345 67 89 → +79123456789. */
function normalizePhone(text: string): string {
  const digits = text.replace(/\D/g, '');
  if (digits.length === 11 && digits.startsWith('8')) return `+7${digits.slice(1)}`;
  if (digits.length === 10) return `+7${digits}`;
  return `+${digits}`;
}

export default function SignUpPage() {
  const [form] = Form.useForm<Values>();
  const password = Form.useWatch('password', form) ?? '';
  const signUp = useSignUp();
  const [sentTo, setSentTo] = useState<string | null>(null);

  if (sentTo !== null) {
    return (
      <AuthCard title="Проверьте почту">
        <Result
          status="success"
          title="Учётная запись создана"
          subTitle={`Мы отправили письмо на ${sentTo}. Перейдите по ссылке из письма, чтобы подтвердить адрес, затем войдите.`}
          extra={<Link to="/sign-in">Ко входу</Link>}
        />
      </AuthCard>
    );
  }

  const submit = (v: Values) =>
    signUp.mutate(
      { email: v.email, password: v.password, fullName: v.fullName.trim(), phone: normalizePhone(v.phone), acceptOffer: true },
      {
        onSuccess: (u) => setSentTo(u.email),
        onError: (e) => applyFieldErrors(form, e, { 'body.email': 'email', 'body.password': 'password', 'body.phone': 'phone', 'body.fullName': 'fullName' }),
      },
    );

  return (
    <AuthCard title="Регистрация">
      <Form form={form} layout="vertical" requiredMark={false} onFinish={submit}>
        <Form.Item label="Имя и фамилия" name="fullName" rules={[{ required: true, whitespace: true, message: 'Как к вам обращаться' }]}>
          <Input autoComplete="name" />
        </Form.Item>
        <Form.Item
          label="Телефон"
          name="phone"
          rules={[{ required: true, message: 'Введите телефон' }, { pattern: /^[+\d\s()-]{10,20}$/, message: 'Телефон в формате +7 912 345-67-89' }]}
        >
          <Input autoComplete="tel" inputMode="tel" placeholder="+7 912 345-67-89" />
        </Form.Item>
        <Form.Item label="Электронная почта" name="email" rules={[{ required: true, type: 'email', message: 'Введите адрес электронной почты' }]}>
          <Input autoComplete="email" inputMode="email" />
        </Form.Item>
        <Form.Item
          label="Пароль"
          name="password"
          rules={[{ validator: (_, v: string | undefined) => (passwordOk(v ?? '') ? Promise.resolve() : Promise.reject(new Error('Пароль не отвечает требованиям ниже'))) }]}
          style={{ marginBottom: 8 }}
        >
          <Input.Password autoComplete="new-password" aria-describedby="password-rules" />
        </Form.Item>
        <PasswordRules password={password} id="password-rules" />
        <Form.Item
          label="Пароль ещё раз"
          name="password2"
          dependencies={['password']}
          rules={[
            { required: true, message: 'Повторите пароль' },
            ({ getFieldValue }) => ({
              validator: (_, v) => (v === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error('Пароли не совпадают'))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="acceptOffer"
          valuePropName="checked"
          rules={[{ validator: (_, v) => (v ? Promise.resolve() : Promise.reject(new Error('Без согласия с офертой регистрация невозможна'))) }]}
        >
          <Checkbox>
            Принимаю условия{' '}
            <a href="/offer" target="_blank" rel="noreferrer">
              публичной оферты
            </a>{' '}
            и согласен на обработку персональных данных
          </Checkbox>
        </Form.Item>
        {signUp.error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorText(signUp.error)} /> : null}
        <Button type="primary" htmlType="submit" block loading={signUp.isPending}>
          Зарегистрироваться
        </Button>
      </Form>
      <p style={{ marginTop: 16 }}>
        Уже зарегистрированы? <Link to="/sign-in">Войти</Link>
      </p>
    </AuthCard>
  );
}
