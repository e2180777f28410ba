/** Чеки → Закрытые смены: closed shifts with the receipts received, and whether they match the Z-report. */
import { Space } from 'antd';
import { CursorPager } from '../../../components/CursorPager';
import { FilterSelect } from '../../../components/FilterSelect';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { registerOptions, useAllRegisters } from '../../../lib/api/lookups';
import { useUrlFilters } from '../../../lib/url-filters';
import { useShifts } from '../api/shifts';
import { ShiftsTable } from '../components/ShiftsTable';

const FILTERS = { registerId: 'int', fn: 'string', cursor: 'string' } as const;

export default function ShiftsPage() {
  const [f, setF] = useUrlFilters(FILTERS);
  const shifts = useShifts({ limit: 50, closed: 'true', ...f } as Parameters<typeof useShifts>[0]);
  const registers = useAllRegisters();
  const rn = new Map((registers.data?.items ?? []).map((r) => [r.id, r.registrationNumber]));
  return (
    <>
      <PageHeader title="Закрытые смены" />
      <Space wrap style={{ marginBottom: 16 }}>
        <FilterSelect<number> label="Касса" placeholder="Все кассы" value={f.registerId} onChange={(registerId) => setF({ registerId })} options={registerOptions(registers.data?.items)} width={260} />
      </Space>
      <QueryState
        query={shifts}
        loadingLabel="Загружаем смены…"
        isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState title="Закрытых смен нет" hint="Смена появится здесь после отчёта о закрытии смены (Z-отчёта)." />}
      >
        {(d) => (
          <>
            <ShiftsTable rows={d.items} rn={rn} />
            <CursorPager cursor={f.cursor} nextCursor={d.nextCursor} onCursor={(cursor) => setF({ ...f, cursor })} />
          </>
        )}
      </QueryState>
    </>
  );
}
