import type { Register } from '../../../lib/api/lookups';

export type RegisterState = 'connected' | 'silent' | 'needs_attention' | 'fn_closed';

/** The status a customer reads: connected / silent / needs attention / FN closed. */
export function registerState(r: Pick<Register, 'registrationStatus' | 'connection'>): RegisterState {
  if (r.registrationStatus === 'fn_closed' || r.connection.attention.includes('fn_closed')) return 'fn_closed';
  return r.connection.status;
}

export const STATE_LABEL: Record<RegisterState, { text: string; color: string }> = {
  connected: { text: 'На связи', color: 'green' },
  silent: { text: 'Молчит', color: 'orange' },
  needs_attention: { text: 'Требует внимания', color: 'red' },
  fn_closed: { text: 'ФН закрыт', color: 'default' },
};

export const ATTENTION_LABEL: Record<string, string> = {
  fn_replace_required: 'Требуется замена ФН',
  fn_exhausted: 'Ресурс ФН исчерпан',
  fn_memory_exceeded: 'Память ФН заполнена',
  fn_closed: 'ФН закрыт',
  fn_expiring: 'Срок ФН истекает',
  fd_gaps: 'Пропущены документы',
  not_transmitted: 'Есть неотправленные документы',
  deregistered: 'Снята с учёта',
};
