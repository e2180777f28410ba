/**
 * A prepared register's lifecycle as the cabinet shows it (issue 16):
 * added → awaiting_registration (the customer applied to the FNS) → connected (its registration report arrived and
 * documents flow) → silent (nothing for a while) → fn_replaced (it works with another FN than the one registered) /
 * fn_closed (the FN's archive is closed, no new one yet) → deregistered. Pure: the caller passes the facts.
 */
export const REGISTER_LIFECYCLE = ['added', 'awaiting_registration', 'connected', 'silent', 'fn_replaced', 'fn_closed', 'deregistered'] as const;
export type RegisterLifecycle = (typeof REGISTER_LIFECYCLE)[number];

export const LIFECYCLE_TITLES: Readonly<Record<RegisterLifecycle, string>> = {
  added: 'Добавлена',
  awaiting_registration: 'Ожидает регистрации в ФНС',
  connected: 'Подключена',
  silent: 'Нет связи',
  fn_replaced: 'ФН заменён',
  fn_closed: 'ФН закрыт',
  deregistered: 'Снята с учёта',
};

export interface LifecycleFacts {
  stage: 'added' | 'awaiting_registration';
  /** The registers row the registration report made; null until it arrived. */
  matched: boolean;
  registrationStatus: 'unknown' | 'active' | 'fn_closed' | 'deregistered' | null;
  /** The FN prepared (and registered) with, and the FN in use now. */
  preparedFn: string;
  currentFn: string | null;
  currentFnClosed: boolean;
  silent: boolean;
}

export function registerLifecycle(f: LifecycleFacts): RegisterLifecycle {
  if (!f.matched) return f.stage;
  if (f.registrationStatus === 'deregistered') return 'deregistered';
  if (f.currentFnClosed || f.registrationStatus === 'fn_closed') return 'fn_closed';
  if (f.silent) return 'silent';
  if (f.currentFn !== null && f.currentFn !== f.preparedFn) return 'fn_replaced';
  return 'connected';
}
