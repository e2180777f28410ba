/** The catalogue as the operator sees it: withdrawn tariffs too, the promotion with its dates, what a purchase costs today. */
import { Button, Grid, List, Space, Table, Tag, Typography } from 'antd';
import { formatLocalDateTime, formatMoney, plural } from '../../../lib/format';
import type { CatalogueTariff } from '../api/operator';

export const monthsText = (n: number) => `${n} ${plural(n, 'месяц', 'месяца', 'месяцев')}`;

function PromoCell({ t }: { t: CatalogueTariff }) {
  if (!t.promo) return <Typography.Text type="secondary">нет</Typography.Text>;
  return (
    <span>
      {formatMoney(t.promo.price)}
      <br />
      <Typography.Text type="secondary">
        {formatLocalDateTime(t.promo.from)} — {formatLocalDateTime(t.promo.until)}
      </Typography.Text>
    </span>
  );
}

interface CatalogueProps {
  items: readonly CatalogueTariff[];
  onEdit: (t: CatalogueTariff) => void;
  onToggle: (t: CatalogueTariff) => void;
  busyId: number | undefined;
}

const StatusTag = ({ t }: { t: CatalogueTariff }) => (t.active ? <Tag color="green">продаётся</Tag> : <Tag>в архиве</Tag>);

function Actions({ t, onEdit, onToggle, busyId }: Omit<CatalogueProps, 'items'> & { t: CatalogueTariff }) {
  return (
    <Space wrap size={4}>
      <Button size="small" onClick={() => onEdit(t)} aria-label={`Изменить тариф «${t.name}»`}>
        Изменить
      </Button>
      <Button size="small" loading={busyId === t.id} onClick={() => onToggle(t)} aria-label={`${t.active ? 'В архив' : 'Вернуть в продажу'}: «${t.name}»`}>
        {t.active ? 'В архив' : 'Вернуть в продажу'}
      </Button>
    </Space>
  );
}

/** A phone: one card per tariff, everything readable without scrolling sideways. */
function CatalogueList(props: CatalogueProps) {
  return (
    <List
      dataSource={[...props.items]}
      renderItem={(t) => (
        <List.Item aria-label={t.name} style={{ display: 'block' }}>
          <Typography.Text strong>{t.name}</Typography.Text> <StatusTag t={t} />
          <div>
            {monthsText(t.months)} · {formatMoney(t.price)} · сегодня {formatMoney(t.priceToday)}
          </div>
          {t.promo ? (
            <Typography.Text type="secondary">
              Акция {formatMoney(t.promo.price)}: {formatLocalDateTime(t.promo.from)} — {formatLocalDateTime(t.promo.until)}
            </Typography.Text>
          ) : null}
          <div style={{ marginTop: 8 }}>
            <Actions t={t} {...props} />
          </div>
        </List.Item>
      )}
    />
  );
}

export function TariffCatalogueTable(props: CatalogueProps) {
  const phone = !Grid.useBreakpoint().sm;
  return phone ? <CatalogueList {...props} /> : <CatalogueTableWide {...props} />;
}

function CatalogueTableWide({ items, onEdit, onToggle, busyId }: CatalogueProps) {
  return (
    <Table<CatalogueTariff>
      rowKey="id"
      size="small"
      dataSource={[...items]}
      pagination={false}
      // Long names wrap; a narrow window scrolls the table inside its box, never the page.
      scroll={{ x: 900 }}
      columns={[
        {
          title: 'Тариф',
          key: 'name',
          width: 240,
          render: (_, t) => (
            <span>
              {t.name}
              <br />
              <Typography.Text type="secondary" code>
                {t.code}
              </Typography.Text>
            </span>
          ),
        },
        { title: 'Срок', key: 'months', render: (_, t) => monthsText(t.months) },
        { title: 'Цена за кассу', key: 'price', align: 'right', render: (_, t) => formatMoney(t.price) },
        { title: 'Акция', key: 'promo', render: (_, t) => <PromoCell t={t} /> },
        { title: 'Сегодня', key: 'today', align: 'right', render: (_, t) => formatMoney(t.priceToday) },
        { title: 'Статус', key: 'active', render: (_, t) => <StatusTag t={t} /> },
        { title: 'Действия', key: 'actions', render: (_, t) => <Actions t={t} onEdit={onEdit} onToggle={onToggle} busyId={busyId} /> },
      ]}
    />
  );
}
