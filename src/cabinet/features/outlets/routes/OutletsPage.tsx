/** Торговые точки: the list with their registers, create, rename, and moving registers between outlets. */
import { Alert, Button, Card, Form, Input, Modal, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, QueryState } from '../../../components/QueryState';
import { errorText } from '../../../lib/api/errors';
import { outletOptions, outletTitle, registerOptions, useAllOutlets, useAllRegisters, type Outlet, type Register } from '../../../lib/api/lookups';
import { useOrganizations, useOutletMutations } from '../api/outlets';

interface Draft {
  organizationId?: number;
  place: string;
  address: string;
}

function OutletForm({ initial, organizations, onSubmit, pending, error }: {
  initial: Draft;
  organizations: Organizations;
  onSubmit: (d: Draft) => void;
  pending: boolean;
  error: unknown;
}) {
  return (
    <Form<Draft> layout="vertical" initialValues={initial} onFinish={onSubmit} requiredMark={false}>
      {organizations !== null && organizations.length > 1 ? (
        <Form.Item label="Организация" name="organizationId" rules={[{ required: true, message: 'Выберите организацию' }]}>
          <Select options={organizations.map((o) => ({ value: o.id, label: `${o.name ?? 'Организация'} (ИНН ${o.inn})` }))} />
        </Form.Item>
      ) : null}
      <Form.Item label="Название (место расчётов)" name="place" rules={[{ max: 1000 }]}>
        <Input placeholder='Магазин "Ромашка" №1' />
      </Form.Item>
      <Form.Item
        label="Адрес"
        name="address"
        dependencies={['place']}
        rules={[({ getFieldValue }) => ({ validator: (_, v: string) => ((v ?? '').trim() !== '' || String(getFieldValue('place') ?? '').trim() !== '' ? Promise.resolve() : Promise.reject(new Error('Укажите адрес или название'))) })]}
      >
        <Input placeholder="г. Москва, ул. Тверская, д. 1" />
      </Form.Item>
      {error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 12 }} title={errorText(error)} /> : null}
      <Button type="primary" htmlType="submit" loading={pending}>
        Сохранить
      </Button>
    </Form>
  );
}

type Organizations = Array<{ id: number; name: string | null; inn: string }> | null;

/** The new outlet's or the renamed one's form in a modal; `editing` null keeps it closed. */
function OutletEditor({ editing, organizations, m, close }: { editing: Outlet | 'new' | null; organizations: Organizations; m: ReturnType<typeof useOutletMutations>; close: () => void }) {
  return (
    <Modal open={editing !== null} title={editing === 'new' ? 'Новая торговая точка' : 'Переименовать точку'} onCancel={close} footer={null} destroyOnHidden>
      {editing === 'new' ? (
        <OutletForm
          initial={{ organizationId: organizations?.[0]?.id, place: '', address: '' }}
          organizations={organizations}
          pending={m.create.isPending}
          error={m.create.error}
          onSubmit={(v) => m.create.mutate({ organizationId: v.organizationId ?? organizations?.[0]?.id ?? 0, place: v.place ?? '', address: v.address ?? '' }, { onSuccess: close })}
        />
      ) : editing !== null ? (
        <OutletForm
          initial={{ place: editing.place, address: editing.address }}
          organizations={null}
          pending={m.rename.isPending}
          error={m.rename.error}
          onSubmit={(v) => m.rename.mutate({ id: editing.id, place: v.place ?? '', address: v.address ?? '' }, { onSuccess: close })}
        />
      ) : null}
    </Modal>
  );
}

function OutletsTable({ rows, byOutlet, onRename }: { rows: Outlet[]; byOutlet: Map<number, Register[]>; onRename: (o: Outlet) => void }) {
  return (
    <Table<Outlet>
      rowKey="id"
      dataSource={rows}
      pagination={{ pageSize: 50, hideOnSinglePage: true }}
      scroll={{ x: 640 }}
      columns={[
        { title: 'Точка', key: 't', render: (_, o) => outletTitle(o) },
        {
          title: 'Кассы',
          key: 'r',
          render: (_, o) => (byOutlet.get(o.id) ?? []).map((r) => <Tag key={r.id}><Link to={`/registers/${r.id}`}>РН {r.registrationNumber}</Link></Tag>),
        },
        { title: '', key: 'a', render: (_, o) => <Button size="small" onClick={() => onRename(o)} aria-label={`Переименовать ${outletTitle(o)}`}>Переименовать</Button> },
      ]}
    />
  );
}

export default function OutletsPage() {
  const outlets = useAllOutlets();
  const registers = useAllRegisters();
  const orgs = useOrganizations();
  const m = useOutletMutations();
  const [editing, setEditing] = useState<Outlet | 'new' | null>(null);
  const byOutlet = new Map<number, Register[]>();
  for (const r of registers.data?.items ?? []) if (r.outletId !== null) byOutlet.set(r.outletId, [...(byOutlet.get(r.outletId) ?? []), r]);
  const organizations = orgs.data?.items ?? null;
  const close = () => setEditing(null);

  return (
    <>
      <PageHeader title="Торговые точки" extra={<Button type="primary" onClick={() => setEditing('new')}>Добавить точку</Button>} />
      <QueryState
        query={outlets}
        loadingLabel="Загружаем торговые точки…"
        isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState title="Торговых точек пока нет" hint="Точки появляются из адресов в чеках касс или добавляются вручную." action={<Button onClick={() => setEditing('new')}>Добавить точку</Button>} />}
      >
        {(d) => <OutletsTable rows={d.items} byOutlet={byOutlet} onRename={setEditing} />}
      </QueryState>

      <Card title="Перенести кассу в другую точку" size="small" style={{ marginTop: 24 }}>
        <MoveRegister registers={registers.data?.items ?? []} outlets={outlets.data?.items ?? []} move={m.move} />
      </Card>

      <OutletEditor editing={editing} organizations={organizations} m={m} close={close} />
    </>
  );
}

function MoveRegister({ registers, outlets, move }: { registers: Register[]; outlets: Outlet[]; move: ReturnType<typeof useOutletMutations>['move'] }) {
  const [registerId, setRegisterId] = useState<number>();
  const [outletId, setOutletId] = useState<number>();
  const register = registers.find((r) => r.id === registerId);
  return (
    <Space wrap>
      <Select aria-label="Касса" placeholder="Касса" value={registerId} onChange={setRegisterId} style={{ width: 240 }} options={registerOptions(registers)} />
      <Select
        aria-label="Новая точка"
        placeholder="Точка"
        value={outletId}
        onChange={setOutletId}
        style={{ width: 280 }}
        options={outletOptions(outlets.filter((o) => register === undefined || o.organizationId === register.organizationId))}
      />
      <Button disabled={registerId === undefined || outletId === undefined} loading={move.isPending} onClick={() => registerId !== undefined && outletId !== undefined && move.mutate({ registerId, outletId })}>
        Перенести
      </Button>
      {move.error ? <Alert type="error" showIcon title={errorText(move.error)} /> : null}
      {move.isSuccess ? <Alert type="success" showIcon title="Касса перенесена" /> : null}
    </Space>
  );
}
