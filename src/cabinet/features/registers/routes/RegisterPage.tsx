/** One register: model, serial, РНМ, status, FN history with expiry, the current shift, last documents, notifications. */
import { Button, Card, Col, Descriptions, List, Row, Space, Table, Tag } from 'antd';
import { Link, useParams } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { ErrorState, LoadingState, QueryState } from '../../../components/QueryState';
import { outletTitle, useAllOutlets } from '../../../lib/api/lookups';
import { formatInstant, formatLocalDateTime, formatMoney } from '../../../lib/format';
import { useCurrentShift, useLastDocuments, useRegister, useRegisterNotifications, type RegisterDetail } from '../api/register';
import { ATTENTION_LABEL, registerState, STATE_LABEL } from '../lib/register-status';

type Drive = RegisterDetail['fiscalDrives'][number];
const NOTIFICATION: Record<string, string> = {
  'register.silent': 'Касса не выходит на связь',
  'fn.expiring': 'Срок ФН истекает',
  'ofd.expiring': 'Заканчивается обслуживание ОФД',
  'fn.fill': 'Память ФН заполняется',
  'documents.unsent': 'Есть неотправленные документы',
  'flk.failed': 'Ошибка ФЛК',
  'fns.rejected': 'Документ отклонён ФНС',
};

function Details({ r }: { r: RegisterDetail }) {
  const outlets = useAllOutlets();
  const outlet = outlets.data?.items.find((o) => o.id === r.outletId);
  const state = registerState(r);
  return (
    <Descriptions
      size="small"
      column={{ xs: 1, sm: 2 }}
      items={[
        { key: 'state', label: 'Статус', children: <Tag color={STATE_LABEL[state].color}>{STATE_LABEL[state].text}</Tag> },
        { key: 'rn', label: 'РН ККТ', children: r.registrationNumber },
        { key: 'sn', label: 'Заводской номер', children: r.serialNumber ?? '—' },
        { key: 'model', label: 'Версия ККТ', children: r.kktVersion ?? '—' },
        { key: 'ffd', label: 'ФФД', children: r.ffdVersion === null ? '—' : ({ 2: '1.05', 3: '1.1', 4: '1.2' } as Record<number, string>)[r.ffdVersion] ?? String(r.ffdVersion) },
        { key: 'outlet', label: 'Торговая точка', children: outlet ? outletTitle(outlet) : '—' },
        { key: 'reg', label: 'Зарегистрирована', children: formatLocalDateTime(r.registeredAt) },
        { key: 'last', label: 'Последний документ', children: formatInstant(r.connection.lastReceivedAt) },
        { key: 'ofd', label: 'Обслуживание ОФД до', children: <OfdService r={r} /> },
        {
          key: 'att',
          label: 'Внимание',
          children: r.connection.attention.length === 0 ? 'нет' : r.connection.attention.map((a) => <Tag key={a} color="red">{ATTENTION_LABEL[a] ?? a}</Tag>),
        },
      ]}
    />
  );
}

/** The paid service (issue 17): until when, what the operator's policy does once it is over, and where to renew. */
function OfdService({ r }: { r: RegisterDetail }) {
  const s = r.ofdService;
  const renew = r.organizationId === null ? null : <Link to={`/billing/tariffs?organizationId=${r.organizationId}&registers=${r.id}`}>{s.until === null ? 'Оплатить' : 'Продлить'}</Link>;
  if (s.status === 'none') return <>не оплачено {renew}</>;
  return (
    <>
      {formatLocalDateTime(s.until)} {s.status === 'expired' ? <Tag color="red">закончилось</Tag> : null} {renew}
      {s.status === 'expired' ? (
        <div style={{ color: 'rgba(0,0,0,0.65)' }}>
          {s.acknowledging ? 'Документы принимаются, касса отмечена как неоплаченная.' : 'ОФД не подтверждает документы: они хранятся в ФН и будут приняты после оплаты.'}
        </div>
      ) : null}
    </>
  );
}

export default function RegisterPage() {
  const id = Number(useParams().id);
  const register = useRegister(id);
  const shift = useCurrentShift(id);
  const docs = useLastDocuments(id);
  const fns = register.data?.fiscalDrives.map((d) => d.fn) ?? [];
  const notifications = useRegisterNotifications(register.data?.organizationId ?? null, id, fns);
  return (
    <QueryState query={register} loadingLabel="Загружаем кассу…">
      {(r) => (
        <>
          <PageHeader
            title={`Касса РН ${r.registrationNumber}`}
            extra={
              // Re-registration and deregistration applications to the FNS (features/kkt-registration).
              r.registrationStatus === 'deregistered' ? (
                <Tag>Снята с учёта в ФНС</Tag>
              ) : (
                <Space wrap>
                  <Link to={`/registers/${r.id}/reregister`}>
                    <Button>Перерегистрировать</Button>
                  </Link>
                  <Link to={`/registers/${r.id}/deregister`}>
                    <Button danger>Снять с учёта</Button>
                  </Link>
                </Space>
              )
            }
          >
            <Link to="/registers">← Кассы</Link>
          </PageHeader>
          <Row gutter={[16, 16]}>
            <Col xs={24}>
              <Card size="small">
                <Details r={r} />
              </Card>
            </Col>
            <Col xs={24} lg={12}>
              <Card size="small" title="Текущая смена">
                {shift.isPending ? (
                  <LoadingState />
                ) : shift.error ? (
                  <ErrorState error={shift.error} onRetry={shift.refetch} />
                ) : shift.data === null || shift.data === undefined ? (
                  'Смен ещё не было.'
                ) : (
                  <Descriptions
                    size="small"
                    column={1}
                    items={[
                      { key: 'n', label: 'Смена', children: <Link to={shift.data.closed ? `/shifts/${shift.data.fn}/${shift.data.shiftNumber}` : `/receipts?fn=${shift.data.fn}`}>№ {shift.data.shiftNumber}</Link> },
                      { key: 's', label: 'Состояние', children: shift.data.closed ? `закрыта ${formatLocalDateTime(shift.data.closedAt)}` : `открыта ${formatLocalDateTime(shift.data.openedAt)}` },
                      { key: 'r', label: 'Чеков получено', children: shift.data.received.receipts },
                      { key: 'sum', label: 'Приход', children: formatMoney(shift.data.received.sellTotalSum) },
                    ]}
                  />
                )}
              </Card>
            </Col>
            <Col xs={24} lg={12}>
              <Card size="small" title="Уведомления">
                <QueryState query={{ ...notifications, isPending: notifications.isPending && notifications.fetchStatus !== 'idle' }} isEmpty={(d) => d.length === 0} empty="Уведомлений нет.">
                  {(d) => <List size="small" dataSource={d} renderItem={(n) => <List.Item key={n.id}>{`${NOTIFICATION[n.kind] ?? n.kind} — ${formatInstant(n.firedAt)}`}</List.Item>} />}
                </QueryState>
              </Card>
            </Col>
            <Col xs={24}>
              <Card size="small" title="Фискальные накопители">
                <Table<Drive>
                  rowKey="fn"
                  size="small"
                  dataSource={r.fiscalDrives}
                  pagination={false}
                  scroll={{ x: 700 }}
                  columns={[
                    { title: 'ФН', dataIndex: 'fn' },
                    { title: 'Зарегистрирован', key: 'r', render: (_, d) => formatLocalDateTime(d.registeredAt) },
                    { title: 'Действует до', key: 'e', render: (_, d) => `${formatLocalDateTime(d.forecast.expiresOn)}${d.forecast.daysLeft !== null ? ` (${d.forecast.daysLeft} дн.)` : ''}` },
                    { title: 'Последний ФД', key: 'l', render: (_, d) => d.lastFd ?? '—' },
                    { title: 'Пропущено ФД', key: 'm', render: (_, d) => d.missing.documents },
                    { title: 'Закрыт', key: 'c', render: (_, d) => (d.closedAt ? formatLocalDateTime(d.closedAt) : 'нет') },
                  ]}
                />
              </Card>
            </Col>
            <Col xs={24}>
              <Card size="small" title="Последние документы" extra={<Link to={`/receipts?registerId=${r.id}`}>Все чеки кассы</Link>}>
                <QueryState query={docs} isEmpty={(d) => d.items.length === 0} empty="Документов ещё нет.">
                  {(d) => (
                    <List
                      size="small"
                      dataSource={d.items}
                      renderItem={(doc) => (
                        <List.Item key={`${doc.fn}-${doc.fd}`}>
                          <Link to={`/receipts/${doc.fn}/${doc.fd}`}>
                            ФД {doc.fd} · {doc.formName ?? doc.form} · {formatLocalDateTime(doc.dateTime)}
                            {doc.totalSum !== null ? ` · ${formatMoney(doc.totalSum)}` : ''}
                          </Link>
                        </List.Item>
                      )}
                    />
                  )}
                </QueryState>
              </Card>
            </Col>
          </Row>
        </>
      )}
    </QueryState>
  );
}
