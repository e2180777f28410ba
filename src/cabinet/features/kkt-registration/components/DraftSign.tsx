/** The prepared application: what the server warned about, its XML to check, and signing it with the customer's КЭП. */
import { Alert, Typography } from 'antd';
import { useNavigate } from 'react-router';
import { useSignApplication, type Application } from '../api/applications';
import { FIELD_TITLE } from '../lib/reasons';
import { SignStep } from './SignStep';

type Warning = NonNullable<Application['warnings']>[number];

export function ModelWarnings({ warnings }: { warnings: readonly Warning[] | undefined }) {
  if (!warnings || warnings.length === 0) return null;
  return (
    <Alert
      type="warning"
      showIcon
      style={{ marginBottom: 12 }}
      title="Проверьте перед подписью"
      description={
        <ul style={{ margin: 0, paddingLeft: 18 }}>
          {warnings.map((w) => (
            <li key={w.path}>
              <b>{FIELD_TITLE[w.path] ?? w.path}:</b> {w.message}
            </li>
          ))}
        </ul>
      }
    />
  );
}

export function DraftSign({ draft }: { draft: Application }) {
  const navigate = useNavigate();
  const sign = useSignApplication();
  return (
    <>
      <Typography.Paragraph>
        Заявление № {draft.id} сформировано (файл {draft.fileId}). Проверьте его и подпишите.
      </Typography.Paragraph>
      <ModelWarnings warnings={draft.warnings} />
      <pre style={{ maxHeight: 240, overflow: 'auto', fontSize: 12, background: '#fafafa', padding: 8, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} aria-label="XML заявления">
        {draft.xml}
      </pre>
      <SignStep
        data={new TextEncoder().encode(draft.xml)}
        busy={sign.isPending}
        error={sign.error}
        onSigned={(signature) => sign.mutate({ id: draft.id, signature }, { onSuccess: (a) => void navigate(`/kkt-applications/${a.id}`) })}
      />
    </>
  );
}
