/**
 * Reminders before a paid period ends (issues 7 and 17), one shape for both services:
 *   ofd.expiring      — a register's OFD service (ofd_services.service_until, its last day): one condition per threshold
 *                       of 30, 7 and 1 days its end is within;
 *   branding.expiring — an organization's branded e-receipt service (branded_receipt_periods, its latest end): the
 *                       same thresholds, and `ended` once the end has passed (brandFor() then gives buyers the
 *                       standard receipt), for BRANDED_ENDED_NOTICE_DAYS after it (a worker down over the end
 *                       catches up; a lapse of long ago is no news).
 * Both are state kinds of the condition evaluator (conditions.ts): each fires once per (organization, kind, subject,
 * threshold) through notification_log. The branded service's subject carries the end itself, so a renewal (a later
 * end) is a new subject whose thresholds fire afresh, and the old end's reminders are never produced again. Of the
 * branded service's thresholds only the closest one due is produced, and none that had already passed when the
 * period was bought (a 1-month purchase in February is not met by a «30 days left» e-mail the next minute).
 */
import type { Kysely } from 'kysely';
import { brandedServiceLatestEnd } from '../../db/branded-service.repository.js';
import type { Database } from '../../db/database.js';
import { moscowDateTime, ofdServiceDaysLeft, periodStanding, thresholdsWithin } from '../../domain/ofd-service.js';
import type { ActiveCondition } from './conditions.js';


/** `ofd.expiring` of one register: one condition per threshold its service end is within. */
export function ofdServiceConditions(reg: { id: number; registration_number: string; service_until: string | null }, now: Date): ActiveCondition[] {
  if (reg.service_until === null) return [];
  const daysLeft = ofdServiceDaysLeft(reg.service_until, now);
  return thresholdsWithin(daysLeft).map((days) => ({
    kind: 'ofd.expiring',
    subject: `register:${reg.id}`,
    threshold: `${days}d`,
    data: { registerId: reg.id, registrationNumber: reg.registration_number, serviceUntil: reg.service_until, daysLeft, thresholdDays: days },
  }));
}

/** The Маркет in the cabinet, where the service is bought again. */
export function marketUrl(cabinetUrl: string | undefined): string {
  return `${(cabinetUrl ?? '').replace(/\/+$/, '')}/market`;
}

/** «осталось 7 дней», «завтра последний день», «сегодня последний день». */
function daysLeftText(daysLeft: number): string {
  if (daysLeft <= 0) return 'сегодня последний день';
  if (daysLeft === 1) return 'завтра последний день';
  const tens = daysLeft % 100;
  const ones = daysLeft % 10;
  const word = tens > 10 && tens < 20 ? 'дней' : ones === 1 ? 'день' : ones >= 2 && ones <= 4 ? 'дня' : 'дней';
  return `осталось ${daysLeft} ${word}`;
}

function brandedMail(ended: boolean, until: string, daysLeft: number, market: string, cabinetUrl: string | undefined): { subject: string; text: string } {
  const where = cabinetUrl ? market : `раздел «Маркет» личного кабинета (${market})`;
  if (ended) {
    const subject = 'Брендирование отключено — покупатели получают стандартный чек';
    return {
      subject,
      text: `${subject}.\n\nОплаченный период брендированных электронных чеков закончился ${until} (МСК). Чеки по e-mail уходят покупателям без вашего логотипа, цветов и баннеров.\n\nВключить брендирование снова: ${where}\n`,
    };
  }
  return {
    subject: `Заканчивается брендирование чеков: ${daysLeftText(daysLeft)}`,
    text: `Оплаченный период брендированных электронных чеков заканчивается ${until} (МСК), ${daysLeftText(daysLeft)}.\n\nПосле этого покупатели будут получать стандартный чек, без вашего логотипа, цветов и баннеров. Продлите услугу заранее, чтобы брендирование не прерывалось: ${where}\n`,
  };
}

/** `branding.expiring` of one organization now: the thresholds its latest branded-service end is within, or `ended`. */
export async function brandedServiceConditions(db: Kysely<Database>, organizationId: number, now: Date, cabinetUrl?: string): Promise<ActiveCondition[]> {
  const latest = await brandedServiceLatestEnd(db, organizationId);
  if (!latest) return [];
  const { endsAt, boughtAt } = latest;
  const { lastDay, daysLeft, ended, endedRecently } = periodStanding(endsAt, now);
  if (ended && !endedRecently) return [];
  // Only the closest threshold: after an outage one e-mail says how things stand, not one per threshold missed (the
  // wider ones are moot then). Running every minute, the evaluator meets each threshold on its own day anyway.
  const passedWhenBought = new Set(thresholdsWithin(ofdServiceDaysLeft(lastDay, boughtAt)));
  const closest = thresholdsWithin(daysLeft).filter((d) => !passedWhenBought.has(d)).at(-1);
  const thresholds = ended ? ['ended'] : closest === undefined ? [] : [`${closest}d`];
  const until = moscowDateTime(endsAt);
  const market = marketUrl(cabinetUrl);
  return thresholds.map((threshold) => ({
    kind: 'branding.expiring',
    subject: `branded-receipts:${endsAt.toISOString()}`,
    threshold,
    data: { organizationId, endsAt: endsAt.toISOString(), lastDay, daysLeft, ended, marketUrl: market },
    mail: brandedMail(ended, until, daysLeft, market, cabinetUrl),
  }));
}
