/**
 * Сотрудники (issue 16): members with their roles and limits, invitations with their status (revocable), the invite
 * form (a role; accountant and viewer may be limited to outlets), and claims on the organization's INN to decide.
 */
import { Alert, Button, Form, Input, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { errorText } from '../../../lib/api/errors';
import { outletTitle, useAllOutlets } from '../../../lib/api/lookups';
import { formatInstant } from '../../../lib/format';
import { useClaims, useDecideClaim, useInvite, useMembers, useRevokeInvitation, type Invitation, type Role } from '../api/onboarding';
import { OrganizationSelect, useChosenOrganization } from '../components/OrganizationSelect';
import { applyFieldErrors } from '../lib/field-errors';
import { INVITATION_STATUS, ROLE_HINT, ROLE_LABEL } from '../lib/labels';

interface InviteValues {
  email: string;
  role: Role;
  outletIds?: number[];
}

function InviteForm({ organizationId }: { organizationId: number | undefined }) {
  const [form] = Form.useForm<InviteValues>();
  const role = Form.useWatch('role', form);
  const invite = useInvite(organizationId);
  const outlets = useAllOutlets();
  const limitable = role === 'accountant' || role === 'viewer';
  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={{ role: 'viewer' }}
      onFinish={(v) =>
        invite.mutate(
          { email: v.email.trim(), role: v.role, outletIds: limitable ? (v.outletIds ?? []) : [], registerIds: [] },
          { onSuccess: () => form.resetFields(), onError: (e) => applyFieldErrors(form, e) },
        )
      }
    >
      <Space wrap align="start">
        <Form.Item label="Электронная почта сотрудника" name="email" rules={[{ required: true, type: 'email', message: 'Введите адрес электронной почты' }]}>
          <Input style={{ width: 280 }} inputMode="email" />
        </Form.Item>
        <Form.Item label="Роль" name="role">
          <Select style={{ width: 220 }} options={Object.entries(ROLE_LABEL).map(([value, label]) => ({ value, label, title: ROLE_HINT[value] }))} />
        </Form.Item>
        {limitable ? (
          <Form.Item label="Только торговые точки" name="outletIds" tooltip="Пусто — вся организация">
            <Select
              mode="multiple"
              allowClear
              placeholder="Все торговые точки"
              style={{ minWidth: 280 }}
              options={(outlets.data?.items ?? []).filter((o) => o.organizationId === organizationId).map((o) => ({ value: o.id, label: outletTitle(o) }))}
            />
          </Form.Item>
        ) : null}
      </Space>
      {role ? <Typography.Paragraph type="secondary">{ROLE_LABEL[role]}: {ROLE_HINT[role]}.</Typography.Paragraph> : null}
      {invite.error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorText(invite.error)} /> : null}
      {invite.data ? (
        <Alert
          type={invite.data.emailSent ? 'success' : 'warning'}
          showIcon
          style={{ marginBottom: 16 }}
          title={invite.data.emailSent ? `Приглашение отправлено на ${invite.data.email}` : 'Приглашение создано, но письмо не отправлено: повторите позже'}
        />
      ) : null}
      <Button type="primary" htmlType="submit" loading={invite.isPending} disabled={organizationId === undefined}>
        Пригласить
      </Button>
    </Form>
  );
}

function Claims({ organizationId }: { organizationId: number | undefined }) {
  const claims = useClaims();
  const decide = useDecideClaim();
  const pending = (claims.data?.items ?? []).filter((c) => c.organizationId === organizationId && c.status === 'pending');
  if (pending.length === 0) return null;
  return (
    <Alert
      type="info"
      showIcon
      style={{ marginBottom: 16 }}
      title="Запросы доступа к ИНН организации"
      description={pending.map((c) => (
        <Space key={c.id} wrap style={{ display: 'flex', marginTop: 8 }}>
          <span>
            {c.claimantEmail}
            {c.comment ? ` — «${c.comment}»` : ''}
          </span>
          <Button size="small" type="primary" onClick={() => decide.mutate({ claimId: c.id, approve: true, role: 'viewer' })}>
            Дать доступ наблюдателя
          </Button>
          <Button size="small" danger onClick={() => decide.mutate({ claimId: c.id, approve: false })}>
            Отклонить
          </Button>
        </Space>
      ))}
    />
  );
}

export default function TeamPage() {
  const { organizationId } = useChosenOrganization();
  const team = useMembers(organizationId);
  const revoke = useRevokeInvitation(organizationId);
  const outlets = useAllOutlets();
  const outletName = new Map((outlets.data?.items ?? []).map((o) => [o.id, outletTitle(o)]));
  return (
    <>
      <PageHeader title="Сотрудники" extra={<OrganizationSelect />} />
      <Claims organizationId={organizationId} />
      <Typography.Title level={3} style={{ fontSize: 18 }}>
        Пригласить сотрудника
      </Typography.Title>
      <InviteForm organizationId={organizationId} />
      <QueryState query={team} loadingLabel="Загружаем сотрудников…">
        {(d) => (
          <>
            <Typography.Title level={3} style={{ fontSize: 18, marginTop: 24 }}>
              Сотрудники
            </Typography.Title>
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
            <Typography.Title level={3} style={{ fontSize: 18, marginTop: 24 }}>
              Приглашения
            </Typography.Title>
            <Table<Invitation>
              rowKey="id"
              dataSource={d.invitations}
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
          </>
        )}
      </QueryState>
    </>
  );
}
