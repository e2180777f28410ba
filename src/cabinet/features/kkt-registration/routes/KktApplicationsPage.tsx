/** Кассы → «Заявления в ФНС»: every registration, re-registration and deregistration with its status, kept current. */
import { Button, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { formatInstant } from '../../../lib/format';
import { useApplications, useOrganizations, type ApplicationSummary } from '../api/applications';
import { KIND_LABEL, STATUS_LABEL, statusText } from '../lib/status';

export default function KktApplicationsPage() {
  const organizations = useOrganizations();
  const [chosen, setChosen] = useState<number | undefined>();
  const orgId = chosen ?? organizations.data?.items[0]?.id;
  const applications = useApplications(orgId);
  return (
    <>
      <PageHeader
        title="Заявления в ФНС"
        extra={
          <Link to="/registers/register-new">
            <Button type="primary">Зарегистрировать кассу</Button>
          </Link>
        }
      />
      {(organizations.data?.items.length ?? 0) > 1 ? (
        <Space style={{ marginBottom: 16 }}>
          <Select
            aria-label="Организация"
            style={{ minWidth: 280 }}
            value={orgId}
            onChange={setChosen}
            options={(organizations.data?.items ?? []).map((o) => ({ value: o.id, label: `${o.name ?? 'Без названия'} (ИНН ${o.inn})` }))}
          />
        </Space>
      ) : null}
      <QueryState query={applications} isEmpty={(d) => d.items.length === 0} empty={<EmptyState title="Заявлений ещё нет" hint="Зарегистрируйте кассу или откройте кассу, чтобы перерегистрировать её или снять с учёта." />}>
        {(d) => (
          <Table<ApplicationSummary>
            rowKey="id"
            size="small"
            dataSource={d.items}
            pagination={{ pageSize: 50, hideOnSinglePage: true }}
            scroll={{ x: 720 }}
            columns={[
              { title: '№', key: 'id', render: (_, a) => <Link to={`/kkt-applications/${a.id}`}>№ {a.id}</Link> },
              { title: 'Заявление', key: 'kind', render: (_, a) => KIND_LABEL[a.kind] },
              { title: 'ККТ', dataIndex: 'kktSerialNumber' },
              { title: 'РНМ', key: 'rnm', render: (_, a) => a.kktRegId ?? '—' },
              { title: 'Статус', key: 'status', render: (_, a) => <Tag color={STATUS_LABEL[a.status].color}>{statusText(a)}</Tag> },
              { title: 'Обновлено', key: 'u', render: (_, a) => formatInstant(a.updatedAt) },
            ]}
          />
        )}
      </QueryState>
    </>
  );
}
