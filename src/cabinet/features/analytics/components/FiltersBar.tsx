/**
 * The filters every report shares, written to the URL: the period (a preset or any days, with steps back and forward),
 * the organization (when there are several), the outlet and the register.
 */
import { LeftOutlined, RightOutlined } from '@ant-design/icons';
import { Button, Col, DatePicker, Flex, Row, Segmented, Select, Space } from 'antd';
import dayjs from 'dayjs';
import { outletTitle, useAllOrganizations, useAllOutlets, useAllRegisters } from '../../../lib/api/lookups';
import type { AnalyticsFilters } from '../lib/filters';
import { PERIOD_PRESETS, PRESET_LABELS, presetRange, shiftPeriod, type Period, type PeriodPreset } from '../lib/period';

export function FiltersBar({ filters, period, today, onChange, periodless }: { filters: AnalyticsFilters; period: Period; today: string; onChange: (next: AnalyticsFilters) => void; periodless?: boolean }) {
  const outlets = useAllOutlets();
  const registers = useAllRegisters();
  const orgs = useAllOrganizations();
  const setPeriod = (p: Period) => onChange({ ...filters, period: p.preset, from: p.from, to: p.to });
  const outletItems = (outlets.data?.items ?? []).filter((o) => filters.organizationId === undefined || o.organizationId === filters.organizationId);
  const registerItems = (registers.data?.items ?? []).filter(
    (r) => (filters.organizationId === undefined || r.organizationId === filters.organizationId) && (filters.outletId === undefined || r.outletId === filters.outletId),
  );
  const orgItems = orgs.data?.items ?? [];

  return (
    <Row gutter={[8, 8]} style={{ marginBottom: 16 }} role="search" aria-label="Фильтры отчёта">
      <Col xs={24} lg={12} xxl={10} hidden={periodless}>
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
      </Col>
      {orgItems.length > 1 ? (
        <Col xs={24} sm={8} lg={4}>
          <Select
            aria-label="Организация"
            placeholder="Все организации"
            allowClear
            style={{ width: '100%' }}
            value={filters.organizationId}
            options={orgItems.map((o) => ({ value: o.id, label: o.name ?? `ИНН ${o.inn}` }))}
            onChange={(v?: number) => onChange({ ...filters, organizationId: v, outletId: undefined, registerId: undefined })}
          />
        </Col>
      ) : null}
      <Col xs={24} sm={orgItems.length > 1 ? 8 : 12} lg={orgItems.length > 1 ? 4 : 6}>
        <Select
          aria-label="Торговая точка"
          placeholder="Все торговые точки"
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          style={{ width: '100%' }}
          loading={outlets.isPending}
          value={filters.outletId}
          options={outletItems.map((o) => ({ value: o.id, label: outletTitle(o) }))}
          onChange={(v?: number) => onChange({ ...filters, outletId: v, registerId: undefined })}
        />
      </Col>
      <Col xs={24} sm={orgItems.length > 1 ? 8 : 12} lg={orgItems.length > 1 ? 4 : 6}>
        <Select
          aria-label="Касса"
          placeholder="Все кассы"
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          style={{ width: '100%' }}
          loading={registers.isPending}
          value={filters.registerId}
          options={registerItems.map((r) => ({ value: r.id, label: `РН ${r.registrationNumber}` }))}
          onChange={(v?: number) => onChange({ ...filters, registerId: v })}
        />
      </Col>
    </Row>
  );
}
