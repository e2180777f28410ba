/**
 * What to do after a failed payment or purchase. The billing codes of the API's catalogue (src/api/errors.ts) are
 * named here, in the billing feature, so lib/api/errors.ts (shared by every section) stays as it is; anything else
 * falls back to the shared texts.
 */
import { ApiFailure, errorText } from '../../../lib/api/errors';

const BILLING_WHAT_TO_DO: Record<string, string> = {
  INSUFFICIENT_FUNDS: 'На балансе не хватает денег, ничего не списано. Пополните баланс картой или по счёту и повторите.',
  IDEMPOTENCY_KEY_REUSED: 'Эта операция уже выполнялась с другими данными. Обновите страницу и повторите.',
  TARIFF_UNAVAILABLE: 'Тариф снят с продажи. Обновите страницу и выберите другой тариф.',
  PRODUCT_UNAVAILABLE: 'Товар снят с продажи. Обновите страницу и выберите другой.',
  ACTIVATION_CODE_USED: 'Код активации уже применён к другой кассе. Выберите свободный код.',
  REGISTER_WITHOUT_ORGANIZATION: 'Касса ещё не привязана к организации. Обратитесь в поддержку.',
  PAYMENTS_NOT_CONFIGURED: 'Оплата картой сейчас недоступна. Пополните баланс по счёту (банковским переводом).',
  PAYMENT_PROVIDER_FAILED: 'Платёжный сервис не ответил, деньги не списаны. Повторите через несколько минут или пополните баланс по счёту.',
  PAYMENT_NOT_REFUNDABLE: 'Этот платёж нельзя вернуть. Обратитесь в поддержку.',
  FORBIDDEN: 'Оплачивать услуги могут владелец, администратор и бухгалтер организации. Обратитесь к ним.',
  NOT_FOUND: 'Не найдено: объект удалён или относится к другой организации. Обновите страницу.',
};

export function billingErrorText(e: unknown): string {
  if (e instanceof ApiFailure && BILLING_WHAT_TO_DO[e.code] !== undefined) return BILLING_WHAT_TO_DO[e.code]!;
  return errorText(e);
}

export function isInsufficientFunds(e: unknown): boolean {
  return e instanceof ApiFailure && e.code === 'INSUFFICIENT_FUNDS';
}
