import { describe, expect, it } from 'vitest';
import { describeSetting } from './labels';

describe('a Выгрузка setting in one line', () => {
  it('names the schedule, content, format, registers and recipients', () => {
    const name = (id: number) => `РН ${id}00`;
    expect(describeSetting({ schedule: 'shift_closed', content: 'receipt_items', format: 'xlsx', registerIds: [1, 2], emails: [], enabled: true }, name)).toBe(
      'После закрытия каждой смены · Чеки с предметами расчёта · xlsx · кассы: РН 100, РН 200 · владельцам и администраторам',
    );
    expect(describeSetting({ schedule: 'monthly', content: 'shift_summary', format: 'csv', registerIds: null, emails: ['buh@example.ru'], enabled: false }, name)).toBe(
      'Ежемесячно (за прошлый месяц) · Сводка по сменам · csv · все кассы · buh@example.ru · выключена',
    );
  });
});
