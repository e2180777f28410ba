/**
 * Кассы → касса → «Перерегистрировать» / «Снять с учёта»: the reasons and what they change (prefilled from what we know
 * of the register) → the XML to sign → the signature → sent to the FNS; the application's page follows it from there.
 */
import { Card, Steps } from 'antd';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { ErrorState, QueryState } from '../../../components/QueryState';
import { useRegister } from '../../registers/api/register';
import { useCreateApplication, usePrefill, type Application } from '../api/applications';
import { DeregistrationForm } from '../components/DeregistrationForm';
import { DraftSign } from '../components/DraftSign';
import { ReregistrationForm } from '../components/ReregistrationForm';

export function ChangeRegistrationPage({ kind }: { kind: 'reregistration' | 'deregistration' }) {
  const id = Number(useParams().id);
  const register = useRegister(id);
  const prefill = usePrefill(register.data?.organizationId, register.data?.registrationNumber);
  const create = useCreateApplication();
  const [draft, setDraft] = useState<Application | undefined>();
  const title = kind === 'reregistration' ? 'Перерегистрация кассы' : 'Снятие кассы с учёта';
  const submit = (body: Parameters<typeof create.mutate>[0]['body']) => create.mutate({ organizationId: register.data!.organizationId!, body }, { onSuccess: setDraft });
  return (
    <>
      <PageHeader title={register.data ? `${title} РН ${register.data.registrationNumber}` : title}>
        <Link to={`/registers/${id}`}>← Касса</Link>
      </PageHeader>
      <Steps current={draft ? 1 : 0} style={{ marginBottom: 24 }} items={[{ title: kind === 'reregistration' ? 'Причины и изменения' : 'Причина' }, { title: 'Подпись' }, { title: 'ФНС' }]} />
      <Card>
        {draft ? (
          <DraftSign draft={draft} />
        ) : register.error ? (
          <ErrorState error={register.error} onRetry={() => void register.refetch()} />
        ) : (
          <QueryState query={prefill} loadingLabel="Собираем сведения о кассе…">
            {(p) =>
              kind === 'reregistration' ? (
                <ReregistrationForm prefill={p} busy={create.isPending} error={create.error} onSubmit={submit} />
              ) : (
                <DeregistrationForm prefill={p} busy={create.isPending} error={create.error} onSubmit={submit} />
              )
            }
          </QueryState>
        )}
      </Card>
    </>
  );
}
