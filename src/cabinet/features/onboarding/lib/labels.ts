/** Russian names of what the onboarding API returns as codes. */
export const ROLE_LABEL: Record<string, string> = { owner: 'Владелец', admin: 'Администратор', accountant: 'Бухгалтер', viewer: 'Наблюдатель' };

export const ROLE_HINT: Record<string, string> = {
  owner: 'всё, включая журнал действий и владельцев',
  admin: 'реквизиты, кассы, сотрудники, ключи API',
  accountant: 'отчёты, выгрузки, электронные чеки',
  viewer: 'только просмотр, без выгрузок и отправки чеков',
};

export const INVITATION_STATUS: Record<string, { text: string; color: string }> = {
  pending: { text: 'Ожидает', color: 'processing' },
  accepted: { text: 'Принято', color: 'success' },
  revoked: { text: 'Отозвано', color: 'default' },
  expired: { text: 'Истекло', color: 'warning' },
};

/** The lifecycle badge of a register (added → … → deregistered). */
export const LIFECYCLE: Record<string, { text: string; color: string }> = {
  added: { text: 'Добавлена', color: 'default' },
  awaiting_registration: { text: 'Ожидает регистрации в ФНС', color: 'processing' },
  connected: { text: 'Подключена', color: 'success' },
  silent: { text: 'Нет связи', color: 'warning' },
  fn_replaced: { text: 'ФН заменён', color: 'cyan' },
  fn_closed: { text: 'ФН закрыт', color: 'orange' },
  deregistered: { text: 'Снята с учёта', color: 'red' },
};

export const CONFLICT: Record<string, string> = {
  serial_claimed_elsewhere: 'Этот заводской номер добавила и другая организация: обратитесь в поддержку',
  inn_mismatch: 'Касса зарегистрирована на другой ИНН',
  fn_mismatch: 'В отчёте о регистрации другой номер ФН: проверьте номер',
};

export const EDO_OPERATORS: ReadonlyArray<{ value: string; label: string }> = [
  { value: 'edo_potok', label: 'ЭДО.ПОТОК' },
  { value: 'sbis', label: 'СБИС' },
  { value: 'diadoc', label: 'Диадок' },
  { value: 'taxcom', label: 'Такском-Файлер' },
  { value: 'garant', label: 'Гарант' },
  { value: 'other', label: 'Другой' },
  { value: 'none', label: 'Не подключен' },
];

export const TAX_SYSTEMS: ReadonlyArray<{ value: string; label: string }> = [
  { value: 'osn', label: 'ОСН' },
  { value: 'usn_income', label: 'УСН доход' },
  { value: 'usn_income_expense', label: 'УСН доход минус расход' },
  { value: 'esn', label: 'ЕСХН' },
  { value: 'patent', label: 'ПСН (патент)' },
];
