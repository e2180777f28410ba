import { Button, Input, Space } from 'antd';
import { Link } from 'react-router';
import { FilterSelect } from '../../../components/FilterSelect';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { outletOptions, outletTitle, useAllOutlets, useAllRegisters, type Outlet, type Register } from '../../../lib/api/lookups';
import { useUrlFilters, type FilterValues } from '../../../lib/url-filters';
import { useFiscalDrivesByFn } from '../api/fiscal-drives';
import { RegistersTable } from '../components/RegistersTable';
import { registerState, STATE_LABEL } from '../lib/register-status';

const FILTERS = { q: 'string', state: 'string', outletId: 'int', organizationId: 'int' } as const;
type Filters = FilterValues<typeof FILTERS>;

function matches(r: Register, q: string): boolean {
  const s = q.trim().toLowerCase();
  return s === '' || [r.registrationNumber, r.serialNumber ?? '', r.connection.currentFn ?? ''].some((v) => v.toLowerCase().includes(s));
}

function passes(r: Register, f: Filters): boolean {
  return (
    matches(r, f.q ?? '') &&
    (f.state === undefined || registerState(r) === f.state) &&
    (f.outletId === undefined || r.outletId === f.outletId) &&
    (f.organizationId === undefined || r.organizationId === f.organizationId)
  );
}

const HeaderActions = () => (
  <Space wrap>
    <Link to="/kkt-applications">
      <Button>Заявления в ФНС</Button>
    </Link>
    <Link to="/registers/register-new">
      <Button type="primary">Зарегистрировать кассу</Button>
    </Link>
  </Space>
);

function RegistersFilters({ f, setF, outlets }: { f: Filters; setF: (next: Filters) => void; outlets: Outlet[] | undefined }) {
  return (
    <Space wrap style={{ marginBottom: 16 }}>
      <Input.Search
        aria-label="Поиск кассы по РН, заводскому номеру или ФН"
        placeholder="РН, заводской номер, ФН"
        defaultValue={f.q}
        allowClear
        onSearch={(q) => setF({ ...f, q })}
        style={{ width: 280 }}
      />
      <FilterSelect<string>
        label="Статус"
        placeholder="Любой статус"
        value={f.state}
        onChange={(state) => setF({ ...f, state })}
        options={Object.entries(STATE_LABEL).map(([value, l]) => ({ value, label: l.text }))}
        width={200}
      />
      <FilterSelect<number> label="Торговая точка" placeholder="Все торговые точки" value={f.outletId} onChange={(outletId) => setF({ ...f, outletId })} options={outletOptions(outlets)} width={260} />
    </Space>
  );
}

export default function RegistersPage() {
  const [f, setF] = useUrlFilters(FILTERS);
  const registers = useAllRegisters();
  const outlets = useAllOutlets();
  const drives = useFiscalDrivesByFn();
  const outletName = new Map((outlets.data?.items ?? []).map((o) => [o.id, outletTitle(o)]));

  return (
    <>
      <PageHeader title="Кассы" extra={<HeaderActions />} />
      <RegistersFilters f={f} setF={setF} outlets={outlets.data?.items} />
      <QueryState
        query={registers}
        loadingLabel="Загружаем кассы…"
        isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState title="Касс пока нет" hint="Касса появится здесь, как только пришлёт первый документ в ОФД, или после регистрации в разделе подключения." />}
      >
        {(d) => <RegistersTable rows={d.items.filter((r) => passes(r, f))} outletName={outletName} drives={drives.data} />}
      </QueryState>
    </>
  );
}
