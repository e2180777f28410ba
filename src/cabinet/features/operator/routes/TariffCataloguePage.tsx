/**
 * «Тарифы» of the operator's area (issue 17): the catalogue customers buy terms of OFD service from — terms per register,
 * prices, promotional prices for a date range; a tariff is created, changed, withdrawn to the archive and returned.
 */
import { PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Typography } from 'antd';
import { useState } from 'react';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { errorText } from '../../../lib/api/errors';
import { useTariffCatalogue, useUpdateTariff, type CatalogueTariff } from '../api/operator';
import { TariffCatalogueTable } from '../components/TariffCatalogueTable';
import { TariffForm } from '../components/TariffForm';

/** Withdraws a tariff or returns it to sale: the same PUT with every other field as it is. */
function useToggleTariff() {
  const update = useUpdateTariff();
  const toggle = (t: CatalogueTariff) =>
    update.mutate({ id: t.id, body: { name: t.name, price: t.price, promo: t.promo, active: !t.active } });
  return { toggle, busyId: update.isPending ? update.variables?.id : undefined, error: update.error };
}

export default function TariffCataloguePage() {
  const catalogue = useTariffCatalogue();
  const { toggle, busyId, error } = useToggleTariff();
  // undefined: closed; null: a new tariff; a tariff: changing it.
  const [editing, setEditing] = useState<CatalogueTariff | null>();
  const add = (
    <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing(null)}>
      Новый тариф
    </Button>
  );
  return (
    <>
      <PageHeader title="Тарифы" extra={add}>
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          Каталог тарифов на услуги ОФД: срок и цена за одну кассу, цена по акции на период. Клиенты видят только тарифы в продаже; цена
          «Сегодня» — та, что спишется при оплате сегодня.
        </Typography.Paragraph>
      </PageHeader>
      {error ? <Alert type="error" showIcon role="alert" title={`Статус тарифа не изменён. ${errorText(error)}`} style={{ marginBottom: 16 }} /> : null}
      <Card size="small">
        <QueryState
          query={catalogue}
          loadingLabel="Загружаем каталог…"
          isEmpty={(d) => d.items.length === 0}
          empty={<EmptyState title="Тарифов пока нет" hint="Создайте первый: клиенты смогут оплачивать по нему обслуживание касс." action={add} />}
        >
          {(d) => <TariffCatalogueTable items={d.items} onEdit={setEditing} onToggle={toggle} busyId={busyId} />}
        </QueryState>
      </Card>
      <TariffForm open={editing !== undefined} tariff={editing ?? undefined} onClose={() => setEditing(undefined)} />
    </>
  );
}
