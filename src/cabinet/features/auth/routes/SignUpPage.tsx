import { Alert, Button, Checkbox, Form, Input, Result } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { errorText } from '../../../lib/api/errors';
import { useSignUp } from '../api/session';
import { AuthCard } from '../components/AuthCard';
import { NewPasswordFields } from '../components/NewPasswordFields';
import { applyFieldErrors } from '../lib/form-errors';

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

function SignUpSent({ email }: { email: string }) {
  return (
    <AuthCard title="Проверьте почту">
      <Result
        status="success"
        title="Учётная запись создана"
        subTitle={`Мы отправили письмо на ${email}. Перейдите по ссылке из письма, чтобы подтвердить адрес, затем войдите.`}
        extra={<Link to="/sign-in">Ко входу</Link>}
      />
    </AuthCard>
  );
}

function ContactFields() {
  return (
    <>
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
    </>
  );
}

function OfferConsent() {
  return (
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
  );
}

export default function SignUpPage() {
  const [form] = Form.useForm<Values>();
  const password = Form.useWatch('password', form) ?? '';
  const signUp = useSignUp();
  const [sentTo, setSentTo] = useState<string | null>(null);

  if (sentTo !== null) return <SignUpSent email={sentTo} />;

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
        <ContactFields />
        <NewPasswordFields password={password} label="Пароль" rulesId="password-rules" />
        <OfferConsent />
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
