import { Alert, Form, Input, Modal, Select, Typography } from 'antd';
import { useState } from 'react';
import { formatLocalDateTime } from '../../../lib/format';
import { useActivationCodes, useApplyActivationCode } from '../api/billing';
import { billingErrorText } from '../lib/billing-errors';

/** Applies one of the organization's free activation codes (or one typed in) to a register: its term starts. */
export function ApplyCodeModal({ organizationId, register, onClose }: { organizationId: number; register: { id: number; registrationNumber: string } | undefined; onClose: () => void }) {
  const codes = useActivationCodes(organizationId);
  const apply = useApplyActivationCode();
  const [code, setCode] = useState<string>('');
  const free = (codes.data?.items ?? []).filter((c) => c.appliedRegisterId === null);
  const close = () => {
    apply.reset();
    setCode('');
    onClose();
  };
  return (
    <Modal
      open={register !== undefined}
      title={`Код активации для кассы РН ${register?.registrationNumber ?? ''}`}
      okText="Применить"
      cancelText={apply.data ? 'Закрыть' : 'Отмена'}
      okButtonProps={{ disabled: code.trim() === '' || apply.data !== undefined, loading: apply.isPending }}
      onOk={() => register && apply.mutate({ registerId: register.id, code: code.trim() })}
      onCancel={close}
    >
      <Form layout="vertical">
        {free.length > 0 ? (
          <Form.Item label="Свободный код">
            <Select aria-label="Свободный код" value={code || undefined} onChange={setCode} options={free.map((c) => ({ value: c.code, label: `${c.code} — ${c.months} мес.` }))} />
          </Form.Item>
        ) : (
          <Typography.Paragraph type="secondary">Свободных кодов нет: купите их в «Маркете» или введите код.</Typography.Paragraph>
        )}
        <Form.Item label="Или введите код">
          <Input aria-label="Код активации" value={code} onChange={(e) => setCode(e.target.value.toUpperCase())} placeholder="OFD-XXXXX-XXXXX-XXXXX-XXXXX" />
        </Form.Item>
      </Form>
      {apply.error ? <Alert type="error" showIcon role="alert" title="Код не применён" description={billingErrorText(apply.error)} /> : null}
      {apply.data ? <Alert type="success" showIcon title={`Код применён: обслуживание оплачено до ${formatLocalDateTime(apply.data.period.endsOn)}`} /> : null}
    </Modal>
  );
}
