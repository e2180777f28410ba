/** Кассы → «Зарегистрировать кассу»: the application's fields → the XML to sign → the signature → sent to the FNS. */
import { Card, Steps, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { useCreateApplication, useOrganizations, useSignApplication, type Application } from '../api/applications';
import { ApplicationForm, toApplication } from '../components/ApplicationForm';
import { SignStep } from '../components/SignStep';

export default function RegisterKktPage() {
  const navigate = useNavigate();
  const organizations = useOrganizations();
  const create = useCreateApplication();
  const sign = useSignApplication();
  const [draft, setDraft] = useState<Application | undefined>();

  return (
    <>
      <PageHeader title="Зарегистрировать кассу" />
      <Steps current={draft ? 1 : 0} style={{ marginBottom: 24 }} items={[{ title: 'Заявление' }, { title: 'Подпись' }, { title: 'ФНС' }]} />
      <Card>
        {!draft ? (
          <QueryState query={organizations} isEmpty={(d) => d.items.length === 0} empty={<EmptyState title="Нет организаций" hint="Заявление подаётся от организации: добавьте её в кабинет." />}>
            {(d) => (
              <ApplicationForm
                organizations={d.items}
                busy={create.isPending}
                error={create.error}
                onSubmit={(v) => create.mutate({ organizationId: v.organizationId, body: toApplication(v) }, { onSuccess: setDraft })}
              />
            )}
          </QueryState>
        ) : (
          <>
            <Typography.Paragraph>
              Заявление № {draft.id} сформировано (файл {draft.fileId}). Проверьте его и подпишите.
            </Typography.Paragraph>
            <pre style={{ maxHeight: 240, overflow: 'auto', fontSize: 12, background: '#fafafa', padding: 8 }} aria-label="XML заявления">
              {draft.xml}
            </pre>
            <SignStep
              data={new TextEncoder().encode(draft.xml)}
              busy={sign.isPending}
              error={sign.error}
              onSigned={(signature) => sign.mutate({ id: draft.id, signature }, { onSuccess: (a) => void navigate(`/kkt-applications/${a.id}`) })}
            />
          </>
        )}
      </Card>
    </>
  );
}
