/**
 * The FNS's reasons for re-registration and deregistration (the codes of src/domain/kkt-registration/application.ts),
 * and which parts of the application each reason changes: the wizard asks only for those, the rest is taken from
 * what we know of the register.
 */
export const REREGISTRATION_REASONS: readonly { code: string; label: string }[] = [
  { code: '3', label: 'Замена фискального накопителя' },
  { code: '2', label: 'Смена оператора фискальных данных' },
  { code: '1', label: 'Изменение адреса или места установки ККТ' },
  { code: '7', label: 'Изменение режимов и настроек применения ККТ' },
  { code: '4', label: 'Переход из автономного режима в режим передачи данных' },
  { code: '5', label: 'Переход в автономный режим' },
  { code: '6', label: 'Изменение наименования пользователя' },
  { code: '8', label: 'Иные причины' },
];

export const DEREGISTRATION_REASONS: readonly { code: string; label: string; closingReport: boolean }[] = [
  { code: '1', label: 'По решению пользователя (продажа, передача, прекращение применения)', closingReport: true },
  { code: '4', label: 'Выход из строя фискального накопителя', closingReport: false },
  { code: '2', label: 'Хищение ККТ', closingReport: false },
  { code: '3', label: 'Потеря ККТ', closingReport: false },
];

export type Section = 'fn' | 'ofd' | 'place' | 'modes';

/** Parts of the application a reason changes. 4, 5 switch the offline mode by themselves; 6 takes the organization's name. */
export const SECTIONS_OF_REASON: Record<string, readonly Section[]> = {
  '1': ['place'],
  '2': ['ofd'],
  '3': ['fn'],
  '4': [],
  '5': [],
  '6': [],
  '7': ['modes'],
  '8': ['place', 'modes'],
};

/** API field paths → what the customer calls them. */
export const FIELD_TITLE: Record<string, string> = {
  'body.kkt.model': 'Модель ККТ',
  'body.kkt.serialNumber': 'Заводской номер ККТ',
  'body.fn.model': 'Модель ФН',
  'body.fn.serialNumber': 'Заводской номер ФН',
  'body.closingReport': 'Отчёт о закрытии ФН',
  'body.reregistrationReport': 'Отчёт об изменении параметров регистрации',
  'body.signature': 'Подпись',
};
