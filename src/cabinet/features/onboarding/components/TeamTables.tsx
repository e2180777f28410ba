/** The team's two tables: members with their roles and outlet limits, and invitations with their status (revocable). */
import { Button, Popconfirm, Table, Tag, Typography } from 'antd';
import { formatInstant } from '../../../lib/format';
import type { Invitation, useMembers, useRevokeInvitation } from '../api/onboarding';
import { INVITATION_STATUS, ROLE_LABEL } from '../lib/labels';

type Team = NonNullable<ReturnType<typeof useMembers>['data']>;

const Heading = ({ children }: { children: string }) => (
  <Typography.Title level={3} style={{ fontSize: 18, marginTop: 24 }}>
    {children}
  </Typography.Title>
);

function MembersTable({ d, outletName }: { d: Team; outletName: Map<number, string> }) {
  return (
    <Table
      rowKey="userId"
      dataSource={d.members}
      pagination={false}
      columns={[
        { title: 'Почта', dataIndex: 'email' },
        { title: 'Роль', key: 'role', render: (_, m) => ROLE_LABEL[m.role] ?? m.role },
        {
          title: 'Доступ',
          key: 'limit',
          render: (_, m) => {
            const l = d.limits.get(m.userId);
            return l ? l.outletIds.map((id) => <Tag key={id}>{outletName.get(id) ?? `Точка №${id}`}</Tag>) : 'Вся организация';
          },
        },
        { title: 'С', key: 'since', render: (_, m) => formatInstant(m.createdAt) },
      ]}
    />
  );
}

function InvitationsTable({ invitations, revoke }: { invitations: Invitation[]; revoke: ReturnType<typeof useRevokeInvitation> }) {
  return (
    <Table<Invitation>
      rowKey="id"
      dataSource={invitations}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      locale={{ emptyText: 'Приглашений не было' }}
      columns={[
        { title: 'Почта', dataIndex: 'email' },
        { title: 'Роль', key: 'role', render: (_, i) => ROLE_LABEL[i.role] ?? i.role },
        { title: 'Статус', key: 'status', render: (_, i) => <Tag color={INVITATION_STATUS[i.status]?.color}>{INVITATION_STATUS[i.status]?.text ?? i.status}</Tag> },
        { title: 'Действует до', key: 'expires', render: (_, i) => formatInstant(i.expiresAt) },
        {
          title: '',
          key: 'revoke',
          render: (_, i) =>
            i.status === 'pending' ? (
              <Popconfirm title="Отозвать приглашение? Ссылка перестанет работать." okText="Отозвать" cancelText="Нет" onConfirm={() => revoke.mutate(i.id)}>
                <Button size="small" danger>
                  Отозвать
                </Button>
              </Popconfirm>
            ) : null,
        },
      ]}
    />
  );
}

export function TeamTables({ d, outletName, revoke }: { d: Team; outletName: Map<number, string>; revoke: ReturnType<typeof useRevokeInvitation> }) {
  return (
    <>
      <Heading>Сотрудники</Heading>
      <MembersTable d={d} outletName={outletName} />
      <Heading>Приглашения</Heading>
      <InvitationsTable invitations={d.invitations} revoke={revoke} />
    </>
  );
}
