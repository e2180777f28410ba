/** The table of registers: numbers, status with what needs attention, outlet, FN and its term, the paid service. */
import { Table, Tag } from 'antd';
import type { TableColumnsType } from 'antd';
import { Link } from 'react-router';
import type { Register } from '../../../lib/api/lookups';
import { formatInstant, formatLocalDateTime } from '../../../lib/format';
import type { useFiscalDrivesByFn } from '../api/fiscal-drives';
import { ATTENTION_LABEL, registerState, STATE_LABEL, type RegisterState } from '../lib/register-status';

type DrivesByFn = ReturnType<typeof useFiscalDrivesByFn>['data'];

function RegisterStatus({ r }: { r: Register }) {
  const s: RegisterState = registerState(r);
  return (
    <>
      <Tag color={STATE_LABEL[s].color}>{STATE_LABEL[s].text}</Tag>
      {r.connection.attention.filter((a) => a !== 'fn_closed').map((a) => (
        <div key={a} style={{ fontSize: 12 }}>
          {ATTENTION_LABEL[a] ?? a}
        </div>
      ))}
    </>
  );
}

function FnTerm({ r, drives }: { r: Register; drives: DrivesByFn }) {
  const d = r.connection.currentFn === null ? undefined : drives?.get(r.connection.currentFn);
  const left = d?.forecast.daysLeft;
  return (
    <>
      {r.connection.currentFn ?? '—'}
      {d?.forecast.expiresOn ? (
        <div style={{ fontSize: 12, color: left !== null && left !== undefined && left <= 30 ? '#a8071a' : 'rgba(0,0,0,0.65)' }}>
          до {formatLocalDateTime(d.forecast.expiresOn)}
          {left !== null && left !== undefined ? ` (${left} дн.)` : ''}
        </div>
      ) : null}
    </>
  );
}

const ofdServiceText = (r: Register) =>
  r.ofdService.until === null ? '—' : `${formatLocalDateTime(r.ofdService.until)}${r.ofdService.daysLeft !== null && r.ofdService.daysLeft <= 30 ? ` (осталось ${r.ofdService.daysLeft} дн.)` : ''}`;

function registerColumns(outletName: Map<number, string>, drives: DrivesByFn): TableColumnsType<Register> {
  return [
    {
      title: 'Касса',
      key: 'rn',
      fixed: 'left',
      render: (_, r) => (
        <Link to={`/registers/${r.id}`}>
          РН {r.registrationNumber}
          {r.serialNumber ? <div style={{ fontSize: 12, color: 'rgba(0,0,0,0.65)' }}>ЗН {r.serialNumber}</div> : null}
        </Link>
      ),
    },
    { title: 'Статус', key: 'state', render: (_, r) => <RegisterStatus r={r} /> },
    { title: 'Торговая точка', key: 'outlet', render: (_, r) => (r.outletId === null ? '—' : (outletName.get(r.outletId) ?? `№${r.outletId}`)) },
    { title: 'ФН и срок', key: 'fn', render: (_, r) => <FnTerm r={r} drives={drives} /> },
    { title: 'Обслуживание ОФД до', key: 'ofd', render: (_, r) => ofdServiceText(r) },
    { title: 'Последний документ', key: 'last', render: (_, r) => formatInstant(r.connection.lastReceivedAt) },
  ];
}

export function RegistersTable({ rows, outletName, drives }: { rows: Register[]; outletName: Map<number, string>; drives: DrivesByFn }) {
  return (
    <Table<Register>
      rowKey="id"
      dataSource={rows}
      pagination={{ pageSize: 50, hideOnSinglePage: true }}
      scroll={{ x: 900 }}
      locale={{ emptyText: 'Нет касс под эти условия. Сбросьте фильтры.' }}
      columns={registerColumns(outletName, drives)}
    />
  );
}
