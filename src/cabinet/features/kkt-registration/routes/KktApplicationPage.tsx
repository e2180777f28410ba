/** An application's status page: where it is, the РНМ or the refusal, a mismatch with what to do, its history, downloads. */
import { Alert, Button, Card, Descriptions, Space, Tag, Timeline, Typography } from 'antd';
import { useParams } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { formatInstant } from '../../../lib/format';
import { documentUrl, useApplication, type Application } from '../api/applications';

export const STATUS_LABEL: Record<Application['status'], { text: string; color: string }> = {
  draft: { text: 'Черновик: ждёт подписи', color: 'default' },
  signed: { text: 'Подписано', color: 'blue' },
  sent: { text: 'Отправляется в ФНС', color: 'blue' },
  accepted: { text: 'Принято ФНС, ждём ответа', color: 'processing' },
  rnm_assigned: { text: 'РНМ присвоен: ждём отчёт о регистрации', color: 'gold' },
  refused: { text: 'Отказ ФНС', color: 'red' },
  report_received: { text: 'Отчёт получен, завершаем', color: 'processing' },
  completed: { text: 'Регистрация завершена', color: 'green' },
};

const DOCUMENT_TITLE: Record<string, string> = {
  'application.xml': 'Заявление (XML)',
  'application.xml.sig': 'Подпись (CMS)',
  'fns-answer.json': 'Ответы ФНС',
};

const KIND_TITLE = { registration: 'регистрации', reregistration: 'перерегистрации', deregistration: 'снятии с учёта' } as const;

function Details({ a }: { a: Application }) {
  const mismatch = a.mismatch as { advice?: string } | null;
  const refusal = a.refusal as { reasons?: string[] } | null;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      {a.status === 'rnm_assigned' ? (
        <Alert type="info" showIcon title={`Введите РНМ ${a.kktRegId ?? ''} в кассу и распечатайте отчёт о регистрации: кабинет завершит регистрацию сам, когда отчёт придёт.`} />
      ) : null}
      {mismatch?.advice ? <Alert type="warning" showIcon role="alert" title="Отчёт о регистрации не совпадает с заявлением" description={mismatch.advice} /> : null}
      {refusal?.reasons ? <Alert type="error" showIcon role="alert" title="ФНС отказала" description={<ul>{refusal.reasons.map((r) => <li key={r}>{r}</li>)}</ul>} /> : null}
      <Descriptions bordered size="small" column={1}>
        <Descriptions.Item label="Статус">
          <Tag color={STATUS_LABEL[a.status].color}>{STATUS_LABEL[a.status].text}</Tag>
        </Descriptions.Item>
        <Descriptions.Item label="Заводской номер ККТ">{a.kktSerialNumber}</Descriptions.Item>
        <Descriptions.Item label="Заводской номер ФН">{a.fnSerialNumber}</Descriptions.Item>
        <Descriptions.Item label="РНМ">{a.kktRegId ?? '—'}</Descriptions.Item>
        <Descriptions.Item label="Файл">{a.fileId}</Descriptions.Item>
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

export default function KktApplicationPage() {
  const id = Number(useParams().id);
  const application = useApplication(id);
  return (
    <>
      <PageHeader title={application.data ? `Заявление № ${id} о ${KIND_TITLE[application.data.kind]} ККТ` : `Заявление № ${id}`} />
      <QueryState query={application}>{(a) => <Details a={a} />}</QueryState>
    </>
  );
}
