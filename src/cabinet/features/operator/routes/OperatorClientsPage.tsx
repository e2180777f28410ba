/**
 * «Клиенты» of the operator's area (issue 17): the staff find a customer's organization by INN or name — they are
 * members of none, so the cabinet's own organization lists never show them one — see its balance and credit it by
 * hand. The account history stays the customer's and the operator token's (the API does not open it to the staff).
 */
import { Alert, Button, Card, Descriptions, Input, List, Typography } from 'antd';
import { useState } from 'react';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { formatMoney } from '../../../lib/format';
import { LOOKUP_MIN, useOrganizationLookup, type FoundOrganization } from '../api/operator';
import { ManualTopUpForm } from '../components/ManualTopUpForm';

const nameOf = (o: FoundOrganization) => o.name ?? `Организация с ИНН ${o.inn}`;

function Results({ q, onOpen }: { q: string; onOpen: (o: FoundOrganization) => void }) {
  const found = useOrganizationLookup(q);
  if (q.trim().length < LOOKUP_MIN) return null;
  return (
    <QueryState
      query={found}
      loadingLabel="Ищем организации…"
      isEmpty={(d) => d.items.length === 0}
      empty={<EmptyState title="Ничего не найдено" hint="Проверьте ИНН или введите другую часть названия." />}
    >
      {(d) => (
        <List<FoundOrganization>
          aria-label="Найденные организации"
          dataSource={d.items}
          renderItem={(o) => (
            <List.Item actions={[<Button key="open" onClick={() => onOpen(o)} aria-label={`Открыть ${nameOf(o)}`}>Открыть</Button>]}>
              <List.Item.Meta
                title={<span style={{ overflowWrap: 'anywhere' }}>{nameOf(o)}</span>}
                description={`ИНН ${o.inn} · баланс ${formatMoney(o.balance)}`}
              />
            </List.Item>
          )}
        />
      )}
    </QueryState>
  );
}

function Client({ organization, onClose }: { organization: FoundOrganization; onClose: () => void }) {
  const [balance, setBalance] = useState(organization.balance);
  return (
    <Card size="small" title={<span style={{ whiteSpace: 'normal', overflowWrap: 'anywhere' }}>{nameOf(organization)}</span>} extra={<Button type="link" onClick={onClose}>К поиску</Button>}>
      <Descriptions size="small" column={1} style={{ marginBottom: 16 }} items={[
        { key: 'inn', label: 'ИНН', children: organization.inn },
        { key: 'balance', label: 'Баланс', children: formatMoney(balance) },
      ]} />
      <Alert type="info" showIcon style={{ marginBottom: 16 }} title="История операций клиента сотрудникам оператора не открыта: её видят участники организации и API оператора." />
      <Typography.Title level={5}>Пополнить вручную</Typography.Title>
      <ManualTopUpForm organizationId={organization.id} onCredited={setBalance} />
    </Card>
  );
}

export default function OperatorClientsPage() {
  const [q, setQ] = useState('');
  const [open, setOpen] = useState<FoundOrganization>();
  return (
    <>
      <PageHeader title="Клиенты">
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          Поиск организации по ИНН или названию, её баланс и ручное пополнение: оплата, принятая вне карты и банковской выписки, или
          корректировка.
        </Typography.Paragraph>
      </PageHeader>
      {open ? (
        // Keyed by the organization: another one opens with a fresh form and a fresh idempotency key.
        <Client key={open.id} organization={open} onClose={() => setOpen(undefined)} />
      ) : (
        <Card size="small">
          <Input.Search
            aria-label="ИНН или название"
            placeholder="ИНН или часть названия"
            enterButton="Найти"
            allowClear
            defaultValue={q}
            onSearch={(v) => setQ(v)}
            style={{ marginBottom: 16 }}
          />
          {q.trim().length > 0 && q.trim().length < LOOKUP_MIN ? <Typography.Text type="danger">Введите не меньше {LOOKUP_MIN} символов.</Typography.Text> : null}
          <Results q={q} onOpen={setOpen} />
        </Card>
      )}
    </>
  );
}
