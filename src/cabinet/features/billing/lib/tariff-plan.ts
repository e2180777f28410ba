/**
 * A tariff bought for several registers at once: what each register gets (its new paid-until day), what it all
 * costs, and what is missing on the balance — everything the cabinet shows before the «Оплатить» button.
 */
import { nextTerm } from './service-term';

export interface PlanRegister {
  readonly id: number;
  readonly registrationNumber: string;
  /** The register's current paid end (YYYY-MM-DD), null when nothing is paid. */
  readonly until: string | null;
}

export interface PlanLine {
  readonly registerId: number;
  readonly registrationNumber: string;
  readonly startsOn: string;
  readonly endsOn: string;
  readonly price: number;
}

export interface TariffPlan {
  readonly lines: readonly PlanLine[];
  /** Kopecks. */
  readonly total: number;
  /** Kopecks left after paying (negative: short by that much). */
  readonly balanceAfter: number;
  /** Kopecks to top up before paying; 0 when the balance covers it. */
  readonly shortfall: number;
}

export function planTariff(registers: readonly PlanRegister[], tariff: { months: number; priceToday: number }, balance: number, today: string): TariffPlan {
  const lines = registers.map((r) => ({ registerId: r.id, registrationNumber: r.registrationNumber, ...nextTerm(r.until, today, tariff.months), price: tariff.priceToday }));
  const total = lines.reduce((s, l) => s + l.price, 0);
  return { lines, total, balanceAfter: balance - total, shortfall: Math.max(0, total - balance) };
}

/** Top-ups are whole rubles of at least 1 ₽: the shortfall rounded up to them. */
export function topUpFor(shortfall: number): number {
  return shortfall <= 0 ? 0 : Math.max(100, Math.ceil(shortfall / 100) * 100);
}
