/**
 * The filters every report shares, written to the URL: the period (a preset or any days, with steps back and forward),
 * the organization (when there are several), the outlet and the register.
 */
import { LeftOutlined, RightOutlined } from '@ant-design/icons';
import { Button, Col, DatePicker, Flex, Row, Segmented, Space } from 'antd';
import dayjs from 'dayjs';
import { FilterSelect } from '../../../components/FilterSelect';
import { outletOptions, registerOptions, useAllOrganizations, useAllOutlets, useAllRegisters } from '../../../lib/api/lookups';
import type { AnalyticsFilters } from '../lib/filters';
import { PERIOD_PRESETS, PRESET_LABELS, presetRange, shiftPeriod, type Period, type PeriodPreset } from '../lib/period';

/** The period: a preset, or any days, with a step back and forward. */
function PeriodPicker({ period, today, setPeriod }: { period: Period; today: string; setPeriod: (p: Period) => void }) {
  return (
    <Flex wrap gap={8}>
      {/* A phone's 351 px hold the five presets only when they scroll. */}
      <div style={{ maxWidth: '100%', overflowX: 'auto' }}>
        <Segmented<PeriodPreset>
          aria-label="Период"
          value={period.preset}
          options={PERIOD_PRESETS.map((p) => ({ value: p, label: PRESET_LABELS[p] }))}
          onChange={(p) => (p === 'custom' ? setPeriod({ ...period, preset: 'custom' }) : setPeriod({ preset: p, ...presetRange(p, today) }))}
        />
      </div>
      <Space.Compact>
        <Button aria-label="Предыдущий период" icon={<LeftOutlined />} onClick={() => setPeriod(shiftPeriod(period, -1, today))} />
        <DatePicker.RangePicker
          aria-label="Даты периода"
          format="DD.MM.YYYY"
          allowClear={false}
          value={[dayjs(period.from), dayjs(period.to)]}
          onChange={(v) => {
            if (v?.[0] && v[1]) setPeriod({ preset: 'custom', from: v[0].format('YYYY-MM-DD'), to: v[1].format('YYYY-MM-DD') });
          }}
          style={{ width: 264 }}
        />
        <Button aria-label="Следующий период" icon={<RightOutlined />} onClick={() => setPeriod(shiftPeriod(period, 1, today))} />
      </Space.Compact>
    </Flex>
  );
}

/** The organization (when there are several), the outlet and the register; a wider scope clears the narrower ones. */
function ScopeSelects({ filters, onChange }: { filters: AnalyticsFilters; onChange: (next: AnalyticsFilters) => void }) {
  const outlets = useAllOutlets();
  const registers = useAllRegisters();
  const orgs = useAllOrganizations();
  const outletItems = (outlets.data?.items ?? []).filter((o) => filters.organizationId === undefined || o.organizationId === filters.organizationId);
  const registerItems = (registers.data?.items ?? []).filter(
    (r) => (filters.organizationId === undefined || r.organizationId === filters.organizationId) && (filters.outletId === undefined || r.outletId === filters.outletId),
  );
  const orgItems = orgs.data?.items ?? [];
  const several = orgItems.length > 1;
  const span = { xs: 24, sm: several ? 8 : 12, lg: several ? 4 : 6 };
  const narrower = [
    { label: 'Торговая точка', placeholder: 'Все торговые точки', loading: outlets.isPending, value: filters.outletId, options: outletOptions(outletItems), onChange: (v?: number) => onChange({ ...filters, outletId: v, registerId: undefined }) },
    { label: 'Касса', placeholder: 'Все кассы', loading: registers.isPending, value: filters.registerId, options: registerOptions(registerItems), onChange: (v?: number) => onChange({ ...filters, registerId: v }) },
  ];
  return (
    <>
      {several ? (
        <Col xs={24} sm={8} lg={4}>
          <FilterSelect<number>
            label="Организация"
            placeholder="Все организации"
            width="100%"
            value={filters.organizationId}
            options={orgItems.map((o) => ({ value: o.id, label: o.name ?? `ИНН ${o.inn}` }))}
            onChange={(v) => onChange({ ...filters, organizationId: v, outletId: undefined, registerId: undefined })}
          />
        </Col>
      ) : null}
      {narrower.map((n) => (
        <Col key={n.label} {...span}>
          <FilterSelect<number> label={n.label} placeholder={n.placeholder} showSearch={{ optionFilterProp: 'label' }} width="100%" loading={n.loading} value={n.value} options={n.options} onChange={n.onChange} />
        </Col>
      ))}
    </>
  );
}

export function FiltersBar({ filters, period, today, onChange, periodless }: { filters: AnalyticsFilters; period: Period; today: string; onChange: (next: AnalyticsFilters) => void; periodless?: boolean }) {
  const setPeriod = (p: Period) => onChange({ ...filters, period: p.preset, from: p.from, to: p.to });
  return (
    <Row gutter={[8, 8]} style={{ marginBottom: 16 }} role="search" aria-label="Фильтры отчёта">
      <Col xs={24} lg={12} xxl={10} hidden={periodless}>
        <PeriodPicker period={period} today={today} setPeriod={setPeriod} />
      </Col>
      <ScopeSelects filters={filters} onChange={onChange} />
    </Row>
  );
}
