/** A register's requisites: status, numbers, versions, outlet, dates, the paid OFD service and what needs attention. */
import { Descriptions, Tag } from 'antd';
import { Link } from 'react-router';
import { outletTitle, useAllOutlets } from '../../../lib/api/lookups';
import { formatInstant, formatLocalDateTime } from '../../../lib/format';
import type { RegisterDetail } from '../api/register';
import { ATTENTION_LABEL, registerState, STATE_LABEL } from '../lib/register-status';

export function RegisterDetails({ r }: { r: RegisterDetail }) {
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
