import { FilterOutlined } from '@ant-design/icons';
import { Badge, Button, Card } from 'antd';
import { useState } from 'react';
import { CursorPager } from '../../../components/CursorPager';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { useAllRegisters } from '../../../lib/api/lookups';
import { useUrlFilters } from '../../../lib/url-filters';
import { useReceipts } from '../api/receipts';
import { ReceiptExport } from '../components/ReceiptExport';
import { ReceiptFiltersForm } from '../components/ReceiptFiltersForm';
import { ReceiptTable } from '../components/ReceiptTable';
import { activeFilterCount, RECEIPT_FILTERS } from '../lib/receipt-filters';

export default function ReceiptsPage() {
  const [filters, setFilters] = useUrlFilters(RECEIPT_FILTERS);
  const receipts = useReceipts(filters);
  const registers = useAllRegisters();
  const byId = new Map((registers.data?.items ?? []).map((r) => [r.id, r]));
  const active = activeFilterCount(filters);
  const [showFilters, setShowFilters] = useState(active > 0 || window.innerWidth >= 768);

  return (
    <>
      <PageHeader
        title="Все чеки"
        extra={
          <Badge count={active} size="small">
            <Button icon={<FilterOutlined />} onClick={() => setShowFilters((v) => !v)} aria-expanded={showFilters} aria-controls="receipt-filters">
              Фильтры
            </Button>
          </Badge>
        }
      />
      {showFilters ? (
        <Card id="receipt-filters" size="small" style={{ marginBottom: 16 }}>
          <ReceiptFiltersForm value={filters} onApply={setFilters} />
        </Card>
      ) : null}
      <ReceiptExport filters={filters} />
      <QueryState
        query={receipts}
        loadingLabel="Загружаем чеки…"
        isEmpty={(d) => d.items.length === 0}
        empty={
          <EmptyState
            title={active > 0 ? 'Нет чеков под эти условия' : 'Чеков пока нет'}
            hint={active > 0 ? 'Расширьте период или сбросьте фильтры.' : 'Чеки появятся здесь, как только касса передаст их в ОФД.'}
            action={active > 0 ? <Button onClick={() => setFilters({})}>Сбросить фильтры</Button> : undefined}
          />
        }
      >
        {(d) => (
          <>
            <ReceiptTable rows={d.items} registers={byId} />
            <CursorPager
              wrap
              cursor={filters.cursor}
              nextCursor={d.nextCursor}
              loading={receipts.isFetching}
              onCursor={(cursor) => setFilters({ ...filters, cursor })}
              end={<span style={{ color: 'rgba(0,0,0,0.65)' }}>Это все чеки под выбранные условия.</span>}
            />
          </>
        )}
      </QueryState>
    </>
  );
}
