/**
 * Сотрудники (issue 16): members with their roles and limits, invitations with their status (revocable), the invite
 * form (a role; accountant and viewer may be limited to outlets), and claims on the organization's INN to decide.
 */
import { Alert, Button, Form, Input, Select, Space, Typography } from 'antd';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { errorText } from '../../../lib/api/errors';
import { outletOptions, outletTitle, useAllOutlets } from '../../../lib/api/lookups';
import { useClaims, useDecideClaim, useInvite, useMembers, useRevokeInvitation, type Role } from '../api/onboarding';
import { OrganizationSelect, useChosenOrganization } from '../components/OrganizationSelect';
import { TeamTables } from '../components/TeamTables';
import { applyFieldErrors } from '../lib/field-errors';
import { ROLE_HINT, ROLE_LABEL } from '../lib/labels';

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
              options={outletOptions(outlets.data?.items.filter((o) => o.organizationId === organizationId))}
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
        {(d) => <TeamTables d={d} outletName={outletName} revoke={revoke} />}
      </QueryState>
    </>
  );
}
