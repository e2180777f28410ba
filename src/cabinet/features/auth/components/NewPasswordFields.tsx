import { Form, Input } from 'antd';
import { passwordOk } from '../lib/password-rules';
import { PasswordRules } from './PasswordRules';

/** "New password" twice with the live rules, for the reset and change-password forms. */
export function NewPasswordFields({ password }: { password: string }) {
  return (
    <>
      <Form.Item
        label="Новый пароль"
        name="password"
        rules={[{ validator: (_, v: string | undefined) => (passwordOk(v ?? '') ? Promise.resolve() : Promise.reject(new Error('Пароль не отвечает требованиям ниже'))) }]}
        style={{ marginBottom: 8 }}
      >
        <Input.Password autoComplete="new-password" aria-describedby="new-password-rules" />
      </Form.Item>
      <PasswordRules password={password} id="new-password-rules" />
      <Form.Item
        label="Новый пароль ещё раз"
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
    </>
  );
}
