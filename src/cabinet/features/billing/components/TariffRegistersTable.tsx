/** Step 2 of «Тарифы касс»: the organization's registers to choose, each with its service state and periods. */
import { Button, Grid, Table, Typography, type TableColumnsType } from 'antd';
import type { ReactNode } from 'react';
import type { Register } from '../../../lib/api/lookups';
import { PeriodsList } from './PeriodsList';
import { ServiceTag } from './ServiceTag';

function registerColumns(phone: boolean, codeButton: (r: Register) => ReactNode): TableColumnsType<Register> {
  return [
    {
      title: 'Касса',
      key: 'rn',
      render: (_, r) => (
        <>
          <span>
            РН {r.registrationNumber}
            {r.serialNumber ? <Typography.Text type="secondary"> · ЗН {r.serialNumber}</Typography.Text> : null}
          </span>
          {/* On a phone the other columns fold into this one. */}
          {phone ? (
            <div>
              <ServiceTag s={r.ofdService} /> {codeButton(r)}
            </div>
          ) : null}
        </>
      ),
    },
    { title: 'Обслуживание в ОФД', key: 'service', responsive: ['sm'], render: (_, r) => <ServiceTag s={r.ofdService} /> },
    { title: '', key: 'code', responsive: ['sm'], render: (_, r) => codeButton(r) },
  ];
}

export function TariffRegistersTable({
  registers,
  selected,
  onSelect,
  onApplyCode,
  tariffName,
}: {
  registers: Register[];
  selected: number[];
  onSelect: (ids: number[]) => void;
  onApplyCode: (r: Register) => void;
  tariffName: (id: number | null) => string | undefined;
}) {
  const phone = !Grid.useBreakpoint().sm;
  const codeButton = (r: Register) => (
    <Button size="small" type="link" onClick={() => onApplyCode(r)} style={{ paddingInline: 0 }}>
      Применить код
    </Button>
  );
  return (
    <Table<Register>
      rowKey="id"
      size="small"
      pagination={{ pageSize: 50, hideOnSinglePage: true }}
      dataSource={registers}
      rowSelection={{
        selectedRowKeys: selected,
        onChange: (keys) => onSelect(keys.map(Number)),
        getCheckboxProps: (r) => ({ 'aria-label': `Выбрать кассу РН ${r.registrationNumber}` }),
      }}
      expandable={{ expandedRowRender: (r) => <PeriodsList registerId={r.id} tariffName={tariffName} />, columnTitle: '' }}
      columns={registerColumns(phone, codeButton)}
    />
  );
}
