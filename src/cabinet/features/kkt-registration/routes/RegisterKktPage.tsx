/** Кассы → «Зарегистрировать кассу»: the application's fields → the XML to sign → the signature → sent to the FNS. */
import { Card, Steps } from 'antd';
import { useState } from 'react';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { useCreateApplication, useOrganizations, type Application } from '../api/applications';
import { ApplicationForm } from '../components/ApplicationForm';
import { toApplication } from '../lib/application-values';
import { DraftSign } from '../components/DraftSign';

export default function RegisterKktPage() {
  const organizations = useOrganizations();
  const create = useCreateApplication();
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
          <DraftSign draft={draft} />
        )}
      </Card>
    </>
  );
}
