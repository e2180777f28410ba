/** Чеки → Маркировка: each sold marked code, its check at sale and its way to the CRPT (Честный знак), by stage. */
import { Space } from 'antd';
import { CursorPager } from '../../../components/CursorPager';
import { FilterSelect } from '../../../components/FilterSelect';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { registerOptions, useAllRegisters } from '../../../lib/api/lookups';
import { useUrlFilters, type FilterValues } from '../../../lib/url-filters';
import { useMarkingCodes } from '../api/marking';
import { MarkingTable } from '../components/MarkingTable';
import { RESULT, STAGE_LABEL } from '../lib/marking-labels';

const FILTERS = { stage: 'string', result: 'string', registerId: 'int', cursor: 'string' } as const;
type Filters = FilterValues<typeof FILTERS>;

function MarkingFilters({ f, setF }: { f: Filters; setF: (next: Filters) => void }) {
  const registers = useAllRegisters();
  // Any filter change starts the list from its first page.
  const set = (next: Partial<Filters>) => setF({ ...f, ...next, cursor: undefined });
  return (
    <Space wrap style={{ marginBottom: 16 }}>
      <FilterSelect<string>
        label="Этап"
        placeholder="Любой этап"
        value={f.stage}
        onChange={(stage) => set({ stage })}
        options={Object.entries(STAGE_LABEL).map(([value, label]) => ({ value, label }))}
        width={220}
      />
      <FilterSelect<string>
        label="Результат проверки"
        placeholder="Любой результат"
        value={f.result}
        onChange={(result) => set({ result })}
        options={Object.entries(RESULT).map(([value, r]) => ({ value, label: r.text }))}
        width={220}
      />
      <FilterSelect<number> label="Касса" placeholder="Все кассы" value={f.registerId} onChange={(registerId) => set({ registerId })} options={registerOptions(registers.data?.items)} width={240} />
    </Space>
  );
}

export default function MarkingPage() {
  const [f, setF] = useUrlFilters(FILTERS);
  const codes = useMarkingCodes({ limit: 50, ...f } as Parameters<typeof useMarkingCodes>[0]);
  return (
    <>
      <PageHeader title="Маркировка" />
      <MarkingFilters f={f} setF={setF} />
      <QueryState
        query={codes}
        loadingLabel="Загружаем коды маркировки…"
        isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState title="Нет проданных маркированных товаров" hint="Коды появятся здесь, когда касса продаст маркированный товар. Проверьте фильтры." />}
      >
        {(d) => (
          <>
            <MarkingTable rows={d.items} />
            <CursorPager cursor={f.cursor} nextCursor={d.nextCursor} onCursor={(cursor) => setF({ ...f, cursor })} />
          </>
        )}
      </QueryState>
    </>
  );
}
