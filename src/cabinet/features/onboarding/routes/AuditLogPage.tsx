/** Журнал действий (issue 16): who did what to the organization, newest first; for owners. */
import { Button, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { formatInstant } from '../../../lib/format';
import { useAuditLog } from '../api/onboarding';
import { OrganizationSelect, useChosenOrganization } from '../components/OrganizationSelect';

export default function AuditLogPage() {
  const { organizationId } = useChosenOrganization();
  const [pages, setPages] = useState<Array<number | undefined>>([undefined]);
  const beforeId = pages.at(-1);
  const log = useAuditLog(organizationId, beforeId);
  return (
    <>
      <PageHeader title="Журнал действий" extra={<OrganizationSelect />} />
      <QueryState query={log} isEmpty={(d) => d.items.length === 0 && beforeId === undefined} empty={<EmptyState title="Действий пока не было" />}>
        {(d) => (
          <>
            <Table
              rowKey="id"
              dataSource={d.items}
              pagination={false}
              scroll={{ x: 800 }}
              columns={[
                { title: 'Когда', key: 'at', render: (_, r) => formatInstant(r.at), width: 180 },
                { title: 'Кто', key: 'who', render: (_, r) => r.actor.email ?? (r.actor.kind === 'operator' ? 'Оператор ОФД' : r.actor.kind === 'apiKey' ? `Ключ API №${r.actor.apiKeyId}` : 'Система') },
                { title: 'Действие', dataIndex: 'actionTitle' },
                {
                  title: 'Подробности',
                  key: 'details',
                  render: (_, r) => (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {Object.entries(r.details)
                        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
                        .join('; ')}
                    </Typography.Text>
                  ),
                },
                { title: 'Адрес', dataIndex: 'ip', width: 140 },
              ]}
            />
            <Space style={{ marginTop: 16 }}>
              <Button disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>
                Новее
              </Button>
              <Button disabled={d.nextBeforeId === null} onClick={() => setPages([...pages, d.nextBeforeId ?? undefined])}>
                Старше
              </Button>
            </Space>
          </>
        )}
      </QueryState>
    </>
  );
}
