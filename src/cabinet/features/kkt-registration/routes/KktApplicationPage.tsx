/**
 * An application's status page: where it is, the РНМ or the refusal with the FNS's reasons, a mismatch with what to do,
 * who signed it, its history, downloads. The status moves by itself (useApplication follows it); a change while the
 * page is open is announced in a live region, so the customer notices without reloading.
 */
import { Alert, Button, Card, Descriptions, Space, Tag, Timeline, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { formatInstant } from '../../../lib/format';
import { documentUrl, useApplication, type Application } from '../api/applications';
import { STATUS_LABEL, statusText } from '../lib/status';

const DOCUMENT_TITLE: Record<string, string> = {
  'application.xml': 'Заявление (XML)',
  'application.xml.sig': 'Подпись (CMS)',
  'fns-answer.json': 'Ответы ФНС',
};

const KIND_TITLE = { registration: 'регистрации', reregistration: 'перерегистрации', deregistration: 'снятии с учёта' } as const;

function nextStep(a: Application): string | undefined {
  if (a.status !== 'rnm_assigned') return undefined;
  if (a.kind === 'registration') return `Введите РНМ ${a.kktRegId ?? ''} в кассу и распечатайте отчёт о регистрации: кабинет завершит регистрацию сам, когда отчёт придёт.`;
  return 'Распечатайте на кассе отчёт об изменении параметров регистрации: кабинет завершит перерегистрацию сам, когда отчёт придёт.';
}

/** A refused application is corrected by filing a new one: the registration wizard, or the register (found by РНМ). */
function retryLink(a: Application): string {
  const rnm = typeof a.input.kktRegId === 'string' ? a.input.kktRegId : undefined;
  return a.kind === 'registration' || !rnm ? '/registers/register-new' : `/registers?q=${rnm}`;
}

function Signer({ s }: { s: Record<string, unknown> }) {
  const v = (k: string) => (typeof s[k] === 'string' && s[k] !== '' ? (s[k] as string) : '—');
  return (
    <Descriptions.Item label="Подписал">
      {v('commonName')} · ИНН {v('organizationInn') !== '—' ? v('organizationInn') : v('personInn')} · ОГРН {v('ogrn')} · СНИЛС {v('snils')} · {typeof s.signingTime === 'string' ? formatInstant(s.signingTime) : ''}
    </Descriptions.Item>
  );
}

function Details({ a }: { a: Application }) {
  const mismatch = a.mismatch as { advice?: string } | null;
  const refusal = a.refusal as { reasons?: string[] } | null;
  const step = nextStep(a);
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      {step ? <Alert type="info" showIcon title={step} /> : null}
      {mismatch?.advice ? <Alert type="warning" showIcon role="alert" title="Отчёт о регистрации не совпадает с заявлением" description={mismatch.advice} /> : null}
      {refusal?.reasons ? (
        <Alert
          type="error"
          showIcon
          role="alert"
          title="ФНС отказала"
          description={
            <>
              <ul>
                {refusal.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
              <Link to={retryLink(a)}>Исправить и подать заново</Link>
            </>
          }
        />
      ) : null}
      <Descriptions bordered size="small" column={1}>
        <Descriptions.Item label="Статус">
          <Tag color={STATUS_LABEL[a.status].color}>{statusText(a)}</Tag>
        </Descriptions.Item>
        <Descriptions.Item label="Заводской номер ККТ">{a.kktSerialNumber}</Descriptions.Item>
        <Descriptions.Item label="Заводской номер ФН">{a.fnSerialNumber}</Descriptions.Item>
        <Descriptions.Item label="РНМ">{a.kktRegId ?? '—'}</Descriptions.Item>
        <Descriptions.Item label="Файл">
          <span style={{ wordBreak: 'break-all' }}>{a.fileId}</span>
        </Descriptions.Item>
        {a.signer ? Signer({ s: a.signer }) : null}
      </Descriptions>
      <Card title="История" size="small">
        <Timeline items={a.history.map((e) => ({ key: `${e.at}-${e.status}`, children: <><Typography.Text type="secondary">{formatInstant(e.at)}</Typography.Text> — {e.message}</> }))} />
      </Card>
      <Card title="Документы" size="small">
        <Space wrap>
          {a.documents.map((d) => (
            <Button key={d} href={documentUrl(a.id, d)} download>
              {DOCUMENT_TITLE[d] ?? d}
            </Button>
          ))}
        </Space>
      </Card>
    </Space>
  );
}

/** «Статус обновился: …» once the status differs from what the page first showed. */
function useStatusChange(a: Application | undefined): string | undefined {
  const first = useRef<string | undefined>(undefined);
  const [changed, setChanged] = useState<string | undefined>();
  useEffect(() => {
    if (!a) return;
    if (first.current === undefined) first.current = a.status;
    else if (a.status !== first.current) setChanged(statusText(a));
  }, [a]);
  return changed;
}

export default function KktApplicationPage() {
  const id = Number(useParams().id);
  const application = useApplication(id);
  const changed = useStatusChange(application.data);
  return (
    <>
      <PageHeader title={application.data ? `Заявление № ${id} о ${KIND_TITLE[application.data.kind]} ККТ` : `Заявление № ${id}`}>
        <Link to="/kkt-applications">← Заявления в ФНС</Link>
      </PageHeader>
      <div role="status" aria-live="polite">
        {changed ? <Alert type="success" showIcon style={{ marginBottom: 16 }} title={`Статус обновился: ${changed}`} /> : null}
      </div>
      <QueryState query={application}>{(a) => <Details a={a} />}</QueryState>
    </>
  );
}
