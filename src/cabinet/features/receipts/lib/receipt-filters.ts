/**
 * Every filter of `GET /api/v1/documents`, as the URL of Чеки → Все чеки carries it. Names and units are the API's
 * (amounts in kopecks, document times as the register's local time), so the URL maps 1:1 onto the query and a link
 * from anywhere (the dashboard, search) can open a filtered list.
 */
import type { FilterSpec, FilterValues } from '../../../lib/url-filters';

export const RECEIPT_FILTERS = {
  organizationId: 'int',
  outletId: 'int',
  registerId: 'int',
  fn: 'string',
  dateFrom: 'string',
  dateTo: 'string',
  form: 'string',
  operationType: 'int',
  payment: 'string',
  taxationType: 'int',
  amountMin: 'int',
  amountMax: 'int',
  fiscalSign: 'int',
  fd: 'int',
  item: 'string',
  marking: 'string',
  hasMarking: 'bool',
  fnsStatus: 'string',
  flkStatus: 'string',
  cursor: 'string',
} as const satisfies FilterSpec;

export type ReceiptFilters = FilterValues<typeof RECEIPT_FILTERS>;

export const OPERATION_TYPES: Record<number, string> = { 1: 'Приход', 2: 'Возврат прихода', 3: 'Расход', 4: 'Возврат расхода' };

/** 1055 appliedTaxationType bits. */
export const TAXATION_TYPES: Record<number, string> = { 1: 'ОСН', 2: 'УСН доход', 4: 'УСН доход − расход', 8: 'ЕНВД', 16: 'ЕСХН', 32: 'Патент' };

export const PAYMENTS: Record<string, string> = { cash: 'Наличные', ecash: 'Безналичные', prepaid: 'Аванс (зачёт)', credit: 'Кредит', provision: 'Встречное предоставление' };

export const FNS_STATUSES: Record<string, string> = {
  not_sent: 'Не отправлен в ФНС',
  sending: 'Отправляется',
  retrying: 'Повторная отправка',
  accepted: 'Принят ФНС',
  accepted_with_warnings: 'Принят с предупреждениями',
  rejected: 'Отклонён ФНС',
  quarantine: 'На карантине в ФНС',
  dead: 'Не доставлен (в разборе)',
};

export const FLK_STATUSES: Record<string, string> = { passed: 'ФЛК пройден', failed: 'Ошибки ФЛК' };

/** The filters as the API's query (the paging cursor included; the default form is the receipt, 3). */
export function toDocumentQuery(f: ReceiptFilters): Record<string, string | number | boolean> {
  const q: Record<string, string | number | boolean> = { limit: 50 };
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') q[k] = v;
  q.form ??= 'receipt';
  return q;
}

/** How many filters are set (the paging cursor and the default form aside), for the "Фильтры (3)" badge. */
export function activeFilterCount(f: ReceiptFilters): number {
  return Object.entries(f).filter(([k, v]) => k !== 'cursor' && v !== undefined && v !== '').length;
}
