import { Form, Input } from 'antd';
import { passwordOk } from '../lib/password-rules';
import { PasswordRules } from './PasswordRules';

/**
 * "New password" twice with the live rules, for the reset and change-password forms; the sign-up form names them
 * "Пароль" (and its rules list its own id).
 */
export function NewPasswordFields({ password, label = 'Новый пароль', rulesId = 'new-password-rules' }: { password: string; label?: string; rulesId?: string }) {
  return (
    <>
      <Form.Item
        label={label}
        name="password"
        rules={[{ validator: (_, v: string | undefined) => (passwordOk(v ?? '') ? Promise.resolve() : Promise.reject(new Error('Пароль не отвечает требованиям ниже'))) }]}
        style={{ marginBottom: 8 }}
      >
        <Input.Password autoComplete="new-password" aria-describedby={rulesId} />
      </Form.Item>
      <PasswordRules password={password} id={rulesId} />
      <Form.Item
        label={`${label} ещё раз`}
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
