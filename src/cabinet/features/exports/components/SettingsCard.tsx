/**
 * Автоматические выгрузки: the organization's schedules (after each shift, daily, monthly), which registers, what and in
 * which format, to whom. The API replaces the list as a whole; owners and administrators may change it.
 */
import { Alert, Button, Card, Form, List, Modal, Select, Switch, Typography } from 'antd';
import { useRef, useState, type ReactNode } from 'react';
import { QueryState } from '../../../components/QueryState';
import { errorText } from '../../../lib/api/errors';
import { registerOptions, useAllRegisters, type Register } from '../../../lib/api/lookups';
import { useExportSettings, useSaveExportSettings, type ExportSetting, type ExportSettingInput } from '../api/export-settings';
import { CONTENTS, SCHEDULES, describeSetting } from '../lib/labels';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const toInput = (s: ExportSetting): ExportSettingInput => ({ schedule: s.schedule, registerIds: s.registerIds, content: s.content, format: s.format, emails: s.emails, enabled: s.enabled });
const NEW_SETTING: ExportSettingInput = { schedule: 'shift_closed', registerIds: null, content: 'receipt_items', format: 'xlsx', emails: [], enabled: true };

/** The list as the API has it, the dialog (index null: a new setting) and the whole-list writes. */
function useSettingsEditor(organizationId: number) {
  const settings = useExportSettings(organizationId);
  const save = useSaveExportSettings(organizationId);
  // The dialog's content stays after it is closed (for its closing animation); `seq` gives each opening a form of its
  // own — one form kept across openings showed the last one's values in the next (antd merges initialValues under what
  // its store holds).
  const [dialog, setDialog] = useState<{ seq: number; index: number | null; value: ExportSettingInput } | null>(null);
  const [isOpen, setOpen] = useState(false);
  // What this opening's «Сохранить» failed with (a failed toggle or delete of the list is shown on the card, not here).
  const [failed, setFailed] = useState<{ seq: number; error: unknown } | null>(null);
  const items = settings.data?.items ?? [];
  const put = (next: ExportSettingInput[]) => save.mutateAsync(next);
  const latest = useRef(0);
  const open = (index: number | null) => {
    const value = index === null ? { ...NEW_SETTING, emails: [] } : toInput(items[index]!);
    latest.current += 1;
    setDialog({ seq: latest.current, index, value });
    setOpen(true);
  };
  const submit = async (seq: number, index: number | null, value: ExportSettingInput) => {
    const next = items.map(toInput);
    if (index === null) next.push(value);
    else next[index] = value;
    try {
      await put(next);
    } catch (error) {
      setFailed({ seq, error });
      return;
    }
    if (latest.current === seq) setOpen(false); // the dialog it was saved from only: one opened meanwhile stays
  };
  const dialogError = failed !== null && failed.seq === dialog?.seq ? failed.error : null;
  return { settings, save, items, dialog, isOpen, dialogError, close: () => setOpen(false), put, open, submit };
}

function SettingFields({ registers }: { registers: Register[] }) {
  return (
    <>
      <Form.Item name="schedule" label="Когда" rules={[{ required: true }]}>
        <Select options={Object.entries(SCHEDULES).map(([value, label]) => ({ value, label }))} />
      </Form.Item>
      <Form.Item name="content" label="Что" rules={[{ required: true }]}>
        <Select options={Object.entries(CONTENTS).map(([value, label]) => ({ value, label }))} />
      </Form.Item>
      <Form.Item name="format" label="Формат" rules={[{ required: true }]}>
        <Select options={[{ value: 'xlsx', label: 'Excel (xlsx)' }, { value: 'csv', label: 'CSV' }]} />
      </Form.Item>
      <Form.Item name="registerIds" label="Кассы" extra="Пусто — все кассы организации, и новые тоже.">
        <Select mode="multiple" allowClear placeholder="Все кассы" options={registerOptions(registers)} optionFilterProp="label" />
      </Form.Item>
      <Form.Item
        name="emails"
        label="Кому отправлять"
        extra="Пусто — владельцам и администраторам организации."
        rules={[{ validator: async (_, v: string[] | undefined) => { const bad = (v ?? []).find((e) => !EMAIL.test(e)); if (bad) throw new Error(`Не адрес почты: ${bad}`); } }]}
      >
        <Select mode="tags" tokenSeparators={[',', ' ', ';']} placeholder="buh@example.ru" open={false} />
      </Form.Item>
      <Form.Item name="enabled" label="Включена" valuePropName="checked">
        <Switch />
      </Form.Item>
    </>
  );
}

/** The dialog's form, wrapped around the whole dialog (its «Сохранить» submits it): one per opening, filled with `value`. */
function SettingForm({ value, onSave, children }: { value: ExportSettingInput; onSave: (value: ExportSettingInput) => Promise<void>; children: ReactNode }) {
  const [form] = Form.useForm<ExportSettingInput>();
  const finish = (v: ExportSettingInput) =>
    void onSave({ ...v, registerIds: v.registerIds && v.registerIds.length > 0 ? v.registerIds : null, emails: v.emails ?? [] }).catch(() => {});
  return (
    <Form form={form} layout="vertical" initialValues={{ ...value, registerIds: value.registerIds ?? [] }} onFinish={finish}>
      {children}
    </Form>
  );
}

export function SettingsCard({ organizationId }: { organizationId: number }) {
  const { settings, save, items, dialog, isOpen, dialogError, close, put, open, submit } = useSettingsEditor(organizationId);
  const registers = useAllRegisters();
  const orgRegisters = (registers.data?.items ?? []).filter((r) => r.organizationId === organizationId);
  const name = (id: number) => `РН ${registers.data?.items.find((r) => r.id === id)?.registrationNumber ?? id}`;
  // A refused toggle or delete is shown on the card («Настройки не сохранены», from the mutation's error).
  const putShown = (next: ExportSettingInput[]) => void put(next).catch(() => {});
  const actions = (s: ExportSetting, i: number) => [
    <Switch key="on" size="small" checked={s.enabled} aria-label="Включена" onChange={(enabled) => putShown(items.map((x, j) => ({ ...toInput(x), ...(j === i ? { enabled } : {}) })))} />,
    <Button key="edit" type="link" size="small" onClick={() => open(i)}>Изменить</Button>,
    <Button key="del" type="link" size="small" danger onClick={() => putShown(items.filter((_, j) => j !== i).map(toInput))}>Удалить</Button>,
  ];

  return (
    <Card size="small" title="Автоматические выгрузки" extra={<Button onClick={() => open(null)}>Добавить</Button>} style={{ marginBottom: 16 }}>
      <Typography.Paragraph type="secondary">
        Файл формируется сам — после закрытия смены, за прошедший день или месяц — приходит на почту и остаётся в списке ниже. Каждая смена выгружается ровно один раз.
      </Typography.Paragraph>
      {save.error && !isOpen && dialogError === null ? <Alert type="warning" showIcon title="Настройки не сохранены" description={errorText(save.error)} style={{ marginBottom: 8 }} /> : null}
      <QueryState query={settings} isEmpty={(d) => d.items.length === 0} empty={<Typography.Text>Автоматических выгрузок нет. Нажмите «Добавить», чтобы получать чеки после каждой смены.</Typography.Text>}>
        {(d) => <List size="small" dataSource={d.items} renderItem={(s, i) => <List.Item actions={actions(s, i)}>{describeSetting(s, name)}</List.Item>} />}
      </QueryState>
      <Modal
        title={dialog?.index === null ? 'Новая выгрузка' : 'Выгрузка'}
        open={isOpen}
        onCancel={close}
        okText="Сохранить"
        cancelText="Отмена"
        okButtonProps={{ htmlType: 'submit' }}
        confirmLoading={save.isPending}
        destroyOnHidden
        modalRender={(dom) => (dialog ? <SettingForm key={dialog.seq} value={dialog.value} onSave={(v) => submit(dialog.seq, dialog.index, v)}>{dom}</SettingForm> : dom)}
      >
        <SettingFields registers={orgRegisters} />
        {dialogError ? <Alert type="warning" showIcon title="Не сохранено" description={errorText(dialogError)} /> : null}
      </Modal>
    </Card>
  );
}
