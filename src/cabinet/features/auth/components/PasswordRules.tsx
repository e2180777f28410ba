import { CheckCircleFilled, CloseCircleOutlined } from '@ant-design/icons';
import { PASSWORD_RULES } from '../lib/password-rules';

/** The rules, each marked met or not as the user types (announced politely to screen readers). */
export function PasswordRules({ password, id }: { password: string; id?: string }) {
  return (
    <ul id={id} aria-live="polite" aria-label="Требования к паролю" style={{ listStyle: 'none', padding: 0, margin: '0 0 16px' }}>
      {PASSWORD_RULES.map((r) => {
        const ok = r.test(password);
        return (
          <li key={r.label} data-ok={ok} style={{ color: ok ? '#237804' : 'rgba(0,0,0,0.65)', fontSize: 13 }}>
            {ok ? <CheckCircleFilled aria-hidden /> : <CloseCircleOutlined aria-hidden />} {r.label}
            <span className="visually-hidden">{ok ? ' — выполнено' : ' — не выполнено'}</span>
          </li>
        );
      })}
    </ul>
  );
}
