import { PrinterOutlined } from '@ant-design/icons';
import { Card, Col, Descriptions, Row, Tabs, Tag } from 'antd';
import { Link, useParams } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { ErrorState, QueryState } from '../../../components/QueryState';
import { formatInstant } from '../../../lib/format';
import { useReceipt } from '../api/receipts';
import { ExpertView } from '../components/ExpertView';
import { LifecycleTimeline } from '../components/LifecycleTimeline';
import { PaperReceipt } from '../components/PaperReceipt';
import { FnsTag } from '../components/ReceiptTable';
import { SendReceipt } from '../components/SendReceipt';

const STAGE: Record<string, string> = { checked: 'Проверен при продаже', delivered: 'Передан в ЧЗ', crpt_answered: 'Ответ ЧЗ получен' };

export default function ReceiptPage() {
  const { fn = '', fd: fdText = '' } = useParams();
  const fd = Number(fdText);
  const valid = /^\d{16}$/.test(fn) && Number.isSafeInteger(fd) && fd > 0;
  const detail = useReceipt(fn, fd);
  if (!valid) return <ErrorState error={new Error('bad link')} />;

  return (
    <>
      <PageHeader
        title={`Чек ФД ${fd}`}
        extra={
          <a href={`/api/v1/documents/${fn}/${fd}/print`} target="_blank" rel="noreferrer" className="no-print">
            <PrinterOutlined /> Печать
          </a>
        }
      >
        <Link to="/receipts">← Все чеки</Link>
      </PageHeader>
      <QueryState query={detail} loadingLabel="Загружаем чек…">
        {(d) => {
          const [formName, body] = Object.entries(d.document)[0] ?? ['document', {}];
          const doc = (body ?? {}) as Record<string, unknown>;
          return (
            <Row gutter={[24, 24]}>
              <Col xs={24} md={10} style={{ display: 'flex', justifyContent: 'center' }}>
                <PaperReceipt formName={formName} doc={doc} qr={d.qr} />
              </Col>
              <Col xs={24} md={14}>
                <Card size="small" style={{ marginBottom: 16 }}>
                  <Descriptions
                    size="small"
                    column={1}
                    items={[
                      { key: 'fns', label: 'ФНС', children: <FnsTag status={d.status.fns?.status ?? null} /> },
                      {
                        key: 'flk',
                        label: 'ФЛК',
                        children: d.status.flk.status === 'passed' ? <Tag color="green">Пройден</Tag> : <Tag color="red">Ошибки: {d.status.flk.codes.join(', ')}</Tag>,
                      },
                      { key: 'sign', label: 'Фискальный признак', children: d.status.sign === 'verified' ? 'Проверен' : 'Не проверен' },
                      { key: 'received', label: 'Получен ОФД', children: formatInstant(d.status.receivedAt) },
                    ]}
                  />
                </Card>
                <Tabs
                  items={[
                    { key: 'send', label: 'Отправить покупателю', children: <SendReceipt fn={fn} fd={fd} buyer={typeof doc['buyerPhoneOrAddress'] === 'string' ? doc['buyerPhoneOrAddress'] : ''} /> },
                    { key: 'life', label: 'История', children: <LifecycleTimeline status={d.status} /> },
                    ...(d.status.marking.length > 0
                      ? [
                          {
                            key: 'marking',
                            label: 'Маркировка',
                            children: (
                              <ul>
                                {d.status.marking.map((m) => (
                                  <li key={m.code} style={{ overflowWrap: 'anywhere' }}>
                                    {m.code}: {STAGE[m.stage] ?? m.stage}
                                    {m.crptStatus ? ` (${m.crptStatus})` : ''}
                                  </li>
                                ))}
                              </ul>
                            ),
                          },
                        ]
                      : []),
                    { key: 'expert', label: 'Для специалиста', children: <ExpertView detail={d} /> },
                  ]}
                />
              </Col>
            </Row>
          );
        }}
      </QueryState>
    </>
  );
}
