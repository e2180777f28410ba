/**
 * «Тарифы касс» (issue 17): the registers with their paid service; choose a tariff for one or several of them, see
 * each one's new paid-until day and the total before paying from the balance; apply an activation code; each
 * register's periods. `?registers=1,2` preselects (the expiry banner links here).
 */
import { Alert, Button, Card, Grid, Input, Space, Table, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { EmptyState, LoadingState, QueryState } from '../../../components/QueryState';
import { useAllRegisters, type Register } from '../../../lib/api/lookups';
import { formatLocalDateTime } from '../../../lib/format';
import { useAfterMovement, useBalance, usePayTariff, useTariffs } from '../api/billing';
import { ApplyCodeModal } from '../components/ApplyCodeModal';
import { BillingNav } from '../components/BillingNav';
import { NoOrganization, OrganizationPicker, useBillingOrganization } from '../components/OrganizationPicker';
import { PayPlan, type PayOutcome } from '../components/PayPlan';
import { PeriodsList } from '../components/PeriodsList';
import { ServiceTag } from '../components/ServiceTag';
import { TariffChoice } from '../components/TariffChoice';
import { billingErrorText } from '../lib/billing-errors';
import { newPurchaseKey } from '../lib/references';
import { moscowToday } from '../lib/service-term';
import { planTariff } from '../lib/tariff-plan';

function preselected(param: string | null): number[] {
  return (param ?? '').split(',').filter((s) => /^\d+$/.test(s)).map(Number);
}

export default function TariffsPage() {
  const { organizationId, loading, none } = useBillingOrganization();
  const [params] = useSearchParams();
  const registers = useAllRegisters();
  const tariffs = useTariffs();
  const balance = useBalance(organizationId);
  const pay = usePayTariff();
  const after = useAfterMovement();
  const [selected, setSelected] = useState<number[]>(() => preselected(params.get('registers')));
  const [tariffId, setTariffId] = useState<number | undefined>();
  const [q, setQ] = useState('');
  const [batchKey, setBatchKey] = useState(() => newPurchaseKey('tariff'));
  const [outcomes, setOutcomes] = useState<PayOutcome[]>([]);
  const [paying, setPaying] = useState(false);
  const [coding, setCoding] = useState<Register | undefined>();
  const [paid, setPaid] = useState<{ rn: string; endsOn: string }[]>([]);
  const today = moscowToday();
  const phone = !Grid.useBreakpoint().sm;
  const codeButton = (r: Register) => (
    <Button size="small" type="link" onClick={() => setCoding(r)} style={{ paddingInline: 0 }}>
      Применить код
    </Button>
  );

  const mine = useMemo(() => (registers.data?.items ?? []).filter((r) => r.organizationId === organizationId), [registers.data, organizationId]);
  const shown = mine.filter((r) => q.trim() === '' || [r.registrationNumber, r.serialNumber ?? ''].some((v) => v.includes(q.trim())));
  const tariff = tariffs.data?.items.find((t) => t.id === tariffId);
  const chosen = mine.filter((r) => selected.includes(r.id));
  const plan = tariff ? planTariff(chosen.map((r) => ({ id: r.id, registrationNumber: r.registrationNumber, until: r.ofdService.until })), tariff, balance.data?.balance ?? 0, today) : undefined;
  const tariffName = (id: number | null) => tariffs.data?.items.find((t) => t.id === id)?.name;

  const resetPlan = () => {
    setBatchKey(newPurchaseKey('tariff'));
    setOutcomes([]);
    setPaid([]);
  };

  // One call per register, in turn; the keys derive from one batch key, so «Оплатить» again after a failure charges
  // only the registers not paid yet (the others answer their first payment).
  const payAll = async () => {
    if (!tariff) return;
    setPaying(true);
    const results: PayOutcome[] = [];
    for (const r of chosen) {
      try {
        const p = await pay.mutateAsync({ registerId: r.id, tariffId: tariff.id, idempotencyKey: `${batchKey}:r${r.id}`.slice(0, 100) });
        results.push({ registerId: r.id, endsOn: p.period.endsOn });
      } catch (e) {
        results.push({ registerId: r.id, error: billingErrorText(e) });
      }
      setOutcomes([...results]);
    }
    setPaying(false);
    await after();
    if (results.every((o) => o.error === undefined)) {
      setPaid(chosen.map((r, i) => ({ rn: r.registrationNumber, endsOn: results[i]!.endsOn! })));
      setBatchKey(newPurchaseKey('tariff'));
      setOutcomes([]);
      setSelected([]);
    }
  };

  return (
    <>
      <PageHeader title="Тарифы касс" extra={<OrganizationPicker />} />
      <BillingNav />
      {loading ? <LoadingState /> : null}
      {none ? <NoOrganization /> : null}
      <Card size="small" title="1. Тариф" style={{ marginBottom: 16 }}>
        <QueryState query={tariffs} isEmpty={(d) => d.items.length === 0} empty={<EmptyState title="Тарифы пока не заданы" hint="Обратитесь к оператору." />}>
          {(d) => (
            <TariffChoice
              tariffs={d.items}
              value={tariffId}
              today={today}
              onChange={(id) => {
                setTariffId(id);
                resetPlan();
              }}
            />
          )}
        </QueryState>
      </Card>
      <Card size="small" title="2. Кассы" style={{ marginBottom: 16 }}>
        <Input.Search aria-label="Поиск кассы по РН или заводскому номеру" placeholder="РН или заводской номер" allowClear onSearch={setQ} style={{ maxWidth: 320, marginBottom: 12 }} />
        <QueryState query={registers} isEmpty={() => mine.length === 0} empty={<EmptyState title="У организации нет касс" hint="Добавьте кассы в разделе «Подключение» → «Кассы к подключению»." />}>
          {() => (
            <Table<Register>
              rowKey="id"
              size="small"
              pagination={{ pageSize: 50, hideOnSinglePage: true }}
              dataSource={shown}
              rowSelection={{
                selectedRowKeys: selected,
                onChange: (keys) => {
                  setSelected(keys.map(Number));
                  resetPlan();
                },
                getCheckboxProps: (r) => ({ 'aria-label': `Выбрать кассу РН ${r.registrationNumber}` }),
              }}
              expandable={{ expandedRowRender: (r) => <PeriodsList registerId={r.id} tariffName={tariffName} />, columnTitle: '' }}
              columns={[
                {
                  title: 'Касса',
                  key: 'rn',
                  render: (_, r) => (
                    <>
                      <span>
                        РН {r.registrationNumber}
                        {r.serialNumber ? <Typography.Text type="secondary"> · ЗН {r.serialNumber}</Typography.Text> : null}
                      </span>
                      {/* On a phone the other columns fold into this one. */}
                      {phone ? (
                        <div>
                          <ServiceTag s={r.ofdService} /> {codeButton(r)}
                        </div>
                      ) : null}
                    </>
                  ),
                },
                { title: 'Обслуживание в ОФД', key: 'service', responsive: ['sm'], render: (_, r) => <ServiceTag s={r.ofdService} /> },
                { title: '', key: 'code', responsive: ['sm'], render: (_, r) => codeButton(r) },
              ]}
            />
          )}
        </QueryState>
      </Card>
      <Card size="small" title="3. Оплата" style={{ marginBottom: 16 }}>
        {paid.length > 0 ? (
          <Alert
            type="success"
            showIcon
            role="status"
            style={{ marginBottom: 12 }}
            title="Оплачено"
            description={paid.map((p) => (
              <div key={p.rn}>
                РН {p.rn}: обслуживание оплачено до {formatLocalDateTime(p.endsOn)}
              </div>
            ))}
            closable
            onClose={() => setPaid([])}
          />
        ) : null}
        {!tariff || chosen.length === 0 || organizationId === undefined ? (
          <Typography.Text type="secondary">Выберите тариф и одну или несколько касс: здесь появятся новые даты окончания обслуживания и сумма.</Typography.Text>
        ) : (
          <QueryState query={balance}>
            {(b) => (
              <Space direction="vertical" style={{ width: '100%' }}>
                <PayPlan plan={plan!} balance={b.balance} organizationId={organizationId} paying={paying} outcomes={outcomes} onPay={() => void payAll()} />
              </Space>
            )}
          </QueryState>
        )}
      </Card>
      {organizationId !== undefined ? <ApplyCodeModal organizationId={organizationId} register={coding} onClose={() => setCoding(undefined)} /> : null}
    </>
  );
}
