import { CodedError } from '../../domain/errors.js';

/**
 * Why a signature is refused: a stable code for clients and tests, and a Russian message the customer can act on
 * (the cabinet shows it as is).
 */
export const SignatureErrorCodes = {
  CMS_MALFORMED: 'Подпись повреждена или не является подписью CMS (PKCS#7 SignedData).',
  CMS_NOT_DETACHED: 'Нужна отсоединённая подпись: документ не должен быть вложен в подпись.',
  UNSUPPORTED_ALGORITHM: 'Алгоритм подписи не поддерживается (нужен ГОСТ Р 34.10-2012 256 бит или RSA с SHA-256).',
  SIGNER_CERT_MISSING: 'В подписи нет сертификата подписанта.',
  DIGEST_MISMATCH: 'Подпись сделана для другого документа: хеш не совпадает.',
  SIGNATURE_INVALID: 'Подпись не соответствует ключу сертификата.',
  SIGNING_TIME_MISSING: 'В подписи нет времени подписания (signingTime).',
  SIGNING_TIME_OUT_OF_RANGE: 'Время подписания слишком далеко от текущего: подпишите документ заново.',
  CERT_NOT_YET_VALID: 'Сертификат ещё не начал действовать на момент подписания.',
  CERT_EXPIRED: 'Срок действия сертификата истёк на момент подписания. Получите новый сертификат в удостоверяющем центре.',
  CERT_REVOKED: 'Сертификат отозван удостоверяющим центром. Получите новый сертификат.',
  CHAIN_UNTRUSTED: 'Сертификат выдан удостоверяющим центром, которому мы не доверяем (нет цепочки до аккредитованного УЦ).',
  CRL_UNAVAILABLE: 'Нет действующего списка отозванных сертификатов удостоверяющего центра: проверить отзыв нельзя.',
  OWNER_MISMATCH: 'Владелец сертификата не совпадает с организацией (ИНН/ОГРН в сертификате другие).',
  SIGNER_NAME_MISMATCH: 'Подписант, указанный в заявлении, не владелец сертификата: укажите в заявлении фамилию и имя из сертификата или подпишите сертификатом подписанта.',
  USER_NOT_FOUND: 'Владелец сертификата не найден среди пользователей: войдите по паролю и привяжите СНИЛС или ИНН.',
} as const;
export type SignatureErrorCode = keyof typeof SignatureErrorCodes;

export class SignatureError extends CodedError<SignatureErrorCode> {
  override readonly name = 'SignatureError';
  constructor(code: SignatureErrorCode, detail?: string) {
    super(code, detail ? `${SignatureErrorCodes[code]} (${detail})` : SignatureErrorCodes[code]);
  }
}
