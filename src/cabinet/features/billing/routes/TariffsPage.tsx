/**
 * «Тарифы касс» (issue 17): the registers with their paid service; choose a tariff for one or several of them, see
 * each one's new paid-until day and the total before paying from the balance; apply an activation code; each
 * register's periods. `?registers=1,2` preselects (the expiry banner links here).
 */
import { Card, Input, Space, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, LoadingState, QueryState } from '../../../components/QueryState';
import { useAllRegisters, type Register } from '../../../lib/api/lookups';
import { useBalance, useTariffs } from '../api/billing';
import { ApplyCodeModal } from '../components/ApplyCodeModal';
import { BillingNav } from '../components/BillingNav';
import { NoOrganization, OrganizationPicker, useBillingOrganization } from '../components/OrganizationPicker';
import { PaidNotice } from '../components/PaidNotice';
import { PayPlan } from '../components/PayPlan';
import { TariffChoice } from '../components/TariffChoice';
import { TariffRegistersTable } from '../components/TariffRegistersTable';
import { useTariffPayment } from '../components/useTariffPayment';
import { moscowToday } from '../lib/service-term';
import { planTariff } from '../lib/tariff-plan';

function preselected(param: string | null): number[] {
  return (param ?? '').split(',').filter((s) => /^\d+$/.test(s)).map(Number);
}

const CARD = { size: 'small', style: { marginBottom: 16 } } as const;
const NO_PLAN = 'Выберите тариф и одну или несколько касс: здесь появятся новые даты окончания обслуживания и сумма.';

/** The page's choices: the tariff, the registers shown (a search) and chosen, and the plan they make. */
function useTariffChoices(organizationId: number | undefined) {
  const [params] = useSearchParams();
  const registers = useAllRegisters();
  const tariffs = useTariffs();
  const balance = useBalance(organizationId);
  const [selected, setSelected] = useState<number[]>(() => preselected(params.get('registers')));
  const [tariffId, setTariffId] = useState<number | undefined>();
  const [q, setQ] = useState('');
  const today = moscowToday();
  const mine = useMemo(() => (registers.data?.items ?? []).filter((r) => r.organizationId === organizationId), [registers.data, organizationId]);
  const shown = mine.filter((r) => q.trim() === '' || [r.registrationNumber, r.serialNumber ?? ''].some((v) => v.includes(q.trim())));
  const tariff = tariffs.data?.items.find((t) => t.id === tariffId);
  const chosen = mine.filter((r) => selected.includes(r.id));
  const plan = tariff ? planTariff(chosen.map((r) => ({ id: r.id, registrationNumber: r.registrationNumber, until: r.ofdService.until })), tariff, balance.data?.balance ?? 0, today) : undefined;
  const tariffName = (id: number | null) => tariffs.data?.items.find((t) => t.id === id)?.name;
  return { registers, tariffs, balance, today, mine, shown, tariff, chosen, plan, tariffName, selected, setSelected, tariffId, setTariffId, setQ };
}

export default function TariffsPage() {
  const { organizationId, loading, none } = useBillingOrganization();
  const c = useTariffChoices(organizationId);
  const payment = useTariffPayment(c.chosen, c.tariff, () => c.setSelected([]));
  const [coding, setCoding] = useState<Register | undefined>();
  return (
    <>
      <PageHeader title="Тарифы касс" extra={<OrganizationPicker />} />
      <BillingNav />
      {loading ? <LoadingState /> : null}
      {none ? <NoOrganization /> : null}
      <Card {...CARD} title="1. Тариф">
        <QueryState query={c.tariffs} isEmpty={(d) => d.items.length === 0} empty={<EmptyState title="Тарифы пока не заданы" hint="Обратитесь к оператору." />}>
          {(d) => <TariffChoice tariffs={d.items} value={c.tariffId} today={c.today} onChange={(id) => {
                c.setTariffId(id);
                payment.resetPlan();
              }} />}
        </QueryState>
      </Card>
      <Card {...CARD} title="2. Кассы">
        <Input.Search aria-label="Поиск кассы по РН или заводскому номеру" placeholder="РН или заводской номер" allowClear onSearch={c.setQ} style={{ maxWidth: 320, marginBottom: 12 }} />
        <QueryState query={c.registers} isEmpty={() => c.mine.length === 0} empty={<EmptyState title="У организации нет касс" hint="Добавьте кассы в разделе «Подключение» → «Кассы к подключению»." />}>
          {() => <TariffRegistersTable registers={c.shown} selected={c.selected} onSelect={(ids) => {
                c.setSelected(ids);
                payment.resetPlan();
              }} onApplyCode={setCoding} tariffName={c.tariffName} />}
        </QueryState>
      </Card>
      <Card {...CARD} title="3. Оплата">
        {payment.paid.length > 0 ? <PaidNotice paid={payment.paid} onClose={payment.clearPaid} /> : null}
        {!c.tariff || c.chosen.length === 0 || organizationId === undefined ? (
          <Typography.Text type="secondary">{NO_PLAN}</Typography.Text>
        ) : (
          <QueryState query={c.balance}>
            {(b) => (
              <Space direction="vertical" style={{ width: '100%' }}>
                <PayPlan plan={c.plan!} balance={b.balance} organizationId={organizationId} paying={payment.paying} outcomes={payment.outcomes} onPay={() => void payment.payAll()} />
              </Space>
            )}
          </QueryState>
        )}
      </Card>
      {organizationId !== undefined ? <ApplyCodeModal organizationId={organizationId} register={coding} onClose={() => setCoding(undefined)} /> : null}
    </>
  );
}
