/**
 * Registers whose paid OFD service ends soon or has ended, for the cabinet's banner. The thresholds are the
 * notifications' (30, 7 and 1 days, src/workers/notify-conditions.ts `ofd.expiring`): the closest one sets the tone.
 */
export interface ServiceOf {
  readonly id: number;
  readonly registrationNumber: string;
  readonly organizationId?: number | null;
  readonly ofdService: { until: string | null; daysLeft: number | null; status: 'active' | 'expired' | 'none'; acknowledging: boolean; unpaidPolicy: string };
}

export type ExpiryLevel = 'expired' | '1' | '7' | '30';

export interface ExpiryNotice<R extends ServiceOf> {
  readonly level: ExpiryLevel;
  /** Soonest first; expired ones first of all. */
  readonly registers: readonly R[];
  /** Some expired register's documents are not acknowledged (policy «stop»): they stay in the fiscal drive. */
  readonly notAcknowledging: boolean;
}

export function levelOf(daysLeft: number | null): ExpiryLevel | undefined {
  if (daysLeft === null) return undefined;
  if (daysLeft < 0) return 'expired';
  if (daysLeft <= 1) return '1';
  if (daysLeft <= 7) return '7';
  if (daysLeft <= 30) return '30';
  return undefined;
}

const ORDER: readonly ExpiryLevel[] = ['expired', '1', '7', '30'];

export function expiryNotice<R extends ServiceOf>(registers: readonly R[]): ExpiryNotice<R> | undefined {
  const due = registers.filter((r) => levelOf(r.ofdService.daysLeft) !== undefined).sort((a, b) => a.ofdService.daysLeft! - b.ofdService.daysLeft!);
  if (due.length === 0) return undefined;
  const level = ORDER.find((l) => due.some((r) => levelOf(r.ofdService.daysLeft) === l))!;
  return { level, registers: due, notAcknowledging: due.some((r) => !r.ofdService.acknowledging) };
}

/** «через 5 дней», «сегодня последний день», «закончилось 3 дня назад». */
export function daysLeftText(daysLeft: number): string {
  if (daysLeft === 0) return 'сегодня последний оплаченный день';
  if (daysLeft === 1) return 'завтра последний оплаченный день';
  const n = Math.abs(daysLeft);
  const days = `${n} ${plural(n)}`;
  return daysLeft > 0 ? `осталось ${days}` : `закончилось ${days} назад`;
}

function plural(n: number): string {
  const a = n % 100;
  const b = n % 10;
  if (a > 10 && a < 20) return 'дней';
  if (b === 1) return 'день';
  if (b >= 2 && b <= 4) return 'дня';
  return 'дней';
}
