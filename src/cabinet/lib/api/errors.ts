/**
 * API failures as the cabinet shows them: the API's error `code` (src/api/errors.ts catalogue) → what to do, in Russian.
 * The server's English `message` is kept for the console and support, never shown alone.
 */
export interface FieldIssue {
  path: string;
  message: string;
  issue: string;
}

const WHAT_TO_DO: Record<string, string> = {
  NETWORK: 'Нет связи с сервером. Проверьте подключение к интернету и повторите.',
  VALIDATION_FAILED: 'Проверьте выделенные поля.',
  BAD_REQUEST: 'Запрос не распознан. Обновите страницу и повторите.',
  BAD_CURSOR: 'Список изменился. Откройте его с первой страницы.',
  TOKEN_INVALID: 'Ссылка недействительна: она уже использована или устарела. Запросите новую.',
  UNAUTHENTICATED: 'Сеанс завершён. Войдите снова.',
  INVALID_CREDENTIALS: 'Неверный адрес электронной почты или пароль.',
  EMAIL_NOT_CONFIRMED: 'Подтвердите адрес электронной почты: перейдите по ссылке из письма.',
  USER_DISABLED: 'Учётная запись заблокирована. Обратитесь в поддержку.',
  CSRF_FAILED: 'Сеанс устарел. Обновите страницу и повторите.',
  FORBIDDEN: 'Вашей роли это действие недоступно. Обратитесь к владельцу организации.',
  NOT_FOUND: 'Не найдено: объект удалён или относится к другой организации.',
  ROUTE_NOT_FOUND: 'Эта функция недоступна на сервере. Обновите страницу.',
  EMAIL_TAKEN: 'Пользователь с таким адресом уже зарегистрирован. Войдите или восстановите пароль.',
  OUTLET_EXISTS: 'Торговая точка с таким адресом и местом расчётов уже есть.',
  REGISTER_EXISTS: 'Касса с таким регистрационным номером уже есть.',
  RATE_LIMITED: 'Слишком много запросов. Подождите минуту и повторите.',
  INTERNAL: 'Ошибка на сервере. Повторите позже; если не пройдёт — напишите в поддержку.',
};

export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly serverMessage: string,
    readonly details: readonly FieldIssue[] = [],
  ) {
    super(WHAT_TO_DO[code] ?? `Ошибка ${status}: ${serverMessage}`);
  }
}

export function failureFrom(status: number, body: unknown): ApiFailure {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; message?: unknown; details?: unknown };
  const code = typeof b.code === 'string' ? b.code : status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
  const details = Array.isArray(b.details) ? (b.details as FieldIssue[]) : [];
  return new ApiFailure(status, code, typeof b.message === 'string' ? b.message : '', details);
}

/** What to show for any error thrown by a query or mutation. */
export function errorText(e: unknown): string {
  if (e instanceof ApiFailure) return e.message;
  return WHAT_TO_DO.INTERNAL!;
}
