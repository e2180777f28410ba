/** Russian names of the Выгрузки settings' values, and a setting in one line (pure, tested). */
export const SCHEDULES = { shift_closed: 'После закрытия каждой смены', daily: 'Ежедневно (за вчера)', monthly: 'Ежемесячно (за прошлый месяц)' } as const;
export const CONTENTS = { receipt_items: 'Чеки с предметами расчёта', shift_summary: 'Сводка по сменам' } as const;
export const EMAIL_STATUS = { none: '—', pending: 'отправляется', sent: 'отправлено', failed: 'не отправлено' } as const;

export interface SettingLike {
  schedule: keyof typeof SCHEDULES;
  content: keyof typeof CONTENTS;
  format: 'csv' | 'xlsx';
  registerIds: number[] | null;
  emails: string[];
  enabled: boolean;
}

/** «После закрытия каждой смены · Чеки с предметами расчёта · xlsx · кассы: РН 1, РН 2 · владельцам и администраторам». */
export function describeSetting(s: SettingLike, registerName: (id: number) => string): string {
  const registers = s.registerIds === null || s.registerIds.length === 0 ? 'все кассы' : `кассы: ${s.registerIds.map(registerName).join(', ')}`;
  const to = s.emails.length === 0 ? 'владельцам и администраторам' : s.emails.join(', ');
  return `${SCHEDULES[s.schedule]} · ${CONTENTS[s.content]} · ${s.format} · ${registers} · ${to}${s.enabled ? '' : ' · выключена'}`;
}
