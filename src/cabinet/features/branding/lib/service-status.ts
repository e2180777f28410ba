/** What the branding page says about the branded e-receipt service (paid in the Маркет). */
import { formatMoscowDay } from '../../../lib/format';

export function serviceStatusText(s: { active: boolean; activeUntil: string | null }): string {
  return s.active ? `Брендирование активно до ${formatMoscowDay(s.activeUntil)}` : 'Не оплачено — покупатели получают стандартный чек';
}
