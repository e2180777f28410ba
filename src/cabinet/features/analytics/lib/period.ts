/**
 * The report period: local days `from`–`to`, both inclusive, as the report API takes them. A preset (день, неделя,
 * месяц, квартал) is only a shortcut of the picker: the URL always carries the resolved days too, so a link opened
 * next month still shows the period it was copied from.
 */
export const PERIOD_PRESETS = ['day', 'week', 'month', 'quarter', 'custom'] as const;
export type PeriodPreset = (typeof PERIOD_PRESETS)[number];

export const PRESET_LABELS: Record<PeriodPreset, string> = { day: 'День', week: 'Неделя', month: 'Месяц', quarter: 'Квартал', custom: 'Период' };

export interface Period {
  preset: PeriodPreset;
  from: string;
  to: string;
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar day `YYYY-MM-DD` (not 2026-02-30). */
export function isDay(s: string | undefined): s is string {
  const m = s === undefined ? null : DAY_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

const toDate = (day: string) => new Date(`${day}T00:00:00Z`);
const toDay = (d: Date) => d.toISOString().slice(0, 10);

export function addDays(day: string, n: number): string {
  return toDay(new Date(toDate(day).getTime() + n * 86_400_000));
}

/** The viewer's local day (reports count the registers' local days; the viewer is usually in the same zone). */
export function localToday(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The preset's days containing `day`: the whole week (Mon–Sun), month or quarter, never past `today`. */
export function presetRange(preset: Exclude<PeriodPreset, 'custom'>, day: string, today = day): { from: string; to: string } {
  const d = toDate(day);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  let from: string;
  let end: string;
  if (preset === 'day') {
    from = day;
    end = day;
  } else if (preset === 'week') {
    from = addDays(day, -((d.getUTCDay() + 6) % 7));
    end = addDays(from, 6);
  } else if (preset === 'month') {
    from = toDay(new Date(Date.UTC(y, m, 1)));
    end = toDay(new Date(Date.UTC(y, m + 1, 0)));
  } else {
    const q = Math.floor(m / 3) * 3;
    from = toDay(new Date(Date.UTC(y, q, 1)));
    end = toDay(new Date(Date.UTC(y, q + 3, 0)));
  }
  return { from, to: end > today && from <= today ? today : end };
}

/** The period of the URL: its days when both parse (from ≤ to), else this month so far. */
export function resolvePeriod(values: { period?: string; from?: string; to?: string }, today: string): Period {
  const preset = (PERIOD_PRESETS as readonly string[]).includes(values.period ?? '') ? (values.period as PeriodPreset) : 'custom';
  if (isDay(values.from) && isDay(values.to) && values.from <= values.to) return { preset, from: values.from, to: values.to };
  return { preset: 'month', ...presetRange('month', today) };
}

/** The same preset one step back (−1) or forward (+1); a custom period moves by its own length. */
export function shiftPeriod(p: Period, step: -1 | 1, today: string): Period {
  if (p.preset === 'custom') {
    const days = Math.round((toDate(p.to).getTime() - toDate(p.from).getTime()) / 86_400_000) + 1;
    return { preset: 'custom', from: addDays(p.from, step * days), to: addDays(p.to, step * days) };
  }
  const anchor = step < 0 ? addDays(p.from, -1) : addDays(presetRange(p.preset, p.from, '9999-12-31').to, 1);
  return { preset: p.preset, ...presetRange(p.preset, anchor, today) };
}

/** Days of the period, inclusive (for the "too short" hints). */
export function periodDays(p: { from: string; to: string }): number {
  return Math.round((toDate(p.to).getTime() - toDate(p.from).getTime()) / 86_400_000) + 1;
}

/** `05.12.2026 – 31.12.2026`, or one day. */
export function periodLabel(p: { from: string; to: string }): string {
  const f = (s: string) => `${s.slice(8, 10)}.${s.slice(5, 7)}.${s.slice(0, 4)}`;
  return p.from === p.to ? f(p.from) : `${f(p.from)} – ${f(p.to)}`;
}
