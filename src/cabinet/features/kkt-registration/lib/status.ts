/** How an application's status and kind read in the cabinet (the statuses of src/db/tables/kkt-applications.ts). */
import type { Application } from '../api/applications';

export const STATUS_LABEL: Record<Application['status'], { text: string; color: string }> = {
  draft: { text: 'Черновик: ждёт подписи', color: 'default' },
  signed: { text: 'Подписано', color: 'blue' },
  sent: { text: 'Отправляется в ФНС', color: 'blue' },
  accepted: { text: 'Принято ФНС, ждём ответа', color: 'processing' },
  rnm_assigned: { text: 'РНМ присвоен: ждём отчёт о регистрации', color: 'gold' },
  refused: { text: 'Отказ ФНС', color: 'red' },
  report_received: { text: 'Отчёт получен, завершаем', color: 'processing' },
  completed: { text: 'Завершено', color: 'green' },
};

export const KIND_LABEL: Record<Application['kind'], string> = {
  registration: 'Регистрация',
  reregistration: 'Перерегистрация',
  deregistration: 'Снятие с учёта',
};

/** The status for this kind: a re-registration waits for the report on changed details, a registration is «завершена». */
export function statusText(a: Pick<Application, 'status' | 'kind'>): string {
  if (a.status === 'rnm_assigned' && a.kind === 'reregistration') return 'Принято ФНС: ждём отчёт об изменении параметров';
  if (a.status === 'completed') return { registration: 'Регистрация завершена', reregistration: 'Перерегистрация завершена', deregistration: 'Касса снята с учёта' }[a.kind];
  return STATUS_LABEL[a.status].text;
}
