import { describe, expect, it } from 'vitest';
import { isDay, periodLabel, presetRange, resolvePeriod, shiftPeriod } from './period';

describe('report period', () => {
  it('resolves presets to whole weeks (Mon–Sun), months and quarters, never past today', () => {
    // 2026-12-05 is a Saturday.
    expect(presetRange('day', '2026-12-05')).toEqual({ from: '2026-12-05', to: '2026-12-05' });
    expect(presetRange('week', '2026-12-05')).toEqual({ from: '2026-11-30', to: '2026-12-05' });
    expect(presetRange('week', '2026-11-25', '2026-12-05')).toEqual({ from: '2026-11-23', to: '2026-11-29' });
    expect(presetRange('month', '2026-12-05')).toEqual({ from: '2026-12-01', to: '2026-12-05' });
    expect(presetRange('month', '2024-02-10', '2026-12-05')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(presetRange('quarter', '2026-12-05')).toEqual({ from: '2026-10-01', to: '2026-12-05' });
    expect(presetRange('quarter', '2026-05-31', '2026-12-05')).toEqual({ from: '2026-04-01', to: '2026-06-30' });
  });

  it('takes the URL’s days when they are calendar days in order, else this month so far', () => {
    expect(resolvePeriod({ period: 'week', from: '2026-11-23', to: '2026-11-29' }, '2026-12-05')).toEqual({ preset: 'week', from: '2026-11-23', to: '2026-11-29' });
    expect(resolvePeriod({ from: '2026-11-02', to: '2026-11-09' }, '2026-12-05')).toEqual({ preset: 'custom', from: '2026-11-02', to: '2026-11-09' });
    for (const bad of [{ from: '2026-02-30', to: '2026-03-01' }, { from: '2026-12-05', to: '2026-12-01' }, { from: 'x', to: '2026-12-01' }, {}]) {
      expect(resolvePeriod(bad, '2026-12-05')).toEqual({ preset: 'month', from: '2026-12-01', to: '2026-12-05' });
    }
    expect(isDay('2026-02-28')).toBe(true);
    expect(isDay('2026-02-29')).toBe(false);
  });

  it('steps a preset back and forth by its own unit, a custom period by its length', () => {
    const today = '2026-12-05';
    expect(shiftPeriod({ preset: 'month', from: '2026-12-01', to: '2026-12-05' }, -1, today)).toEqual({ preset: 'month', from: '2026-11-01', to: '2026-11-30' });
    expect(shiftPeriod({ preset: 'month', from: '2026-11-01', to: '2026-11-30' }, 1, today)).toEqual({ preset: 'month', from: '2026-12-01', to: '2026-12-05' });
    expect(shiftPeriod({ preset: 'quarter', from: '2026-01-01', to: '2026-03-31' }, -1, today)).toEqual({ preset: 'quarter', from: '2025-10-01', to: '2025-12-31' });
    expect(shiftPeriod({ preset: 'week', from: '2026-11-30', to: '2026-12-05' }, -1, today)).toEqual({ preset: 'week', from: '2026-11-23', to: '2026-11-29' });
    expect(shiftPeriod({ preset: 'day', from: '2026-03-01', to: '2026-03-01' }, -1, today)).toEqual({ preset: 'day', from: '2026-02-28', to: '2026-02-28' });
    expect(shiftPeriod({ preset: 'custom', from: '2026-11-01', to: '2026-11-10' }, 1, today)).toEqual({ preset: 'custom', from: '2026-11-11', to: '2026-11-20' });
    expect(periodLabel({ from: '2026-11-01', to: '2026-11-10' })).toBe('01.11.2026 – 10.11.2026');
  });
});
