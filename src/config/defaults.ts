/** The configuration's fixed values: roles, modes, levels and the defaults of the environment contract. */
export const ROLES = ['gateway', 'worker', 'api'] as const;
export type Role = (typeof ROLES)[number];

export const CRYPTO_MODES = ['devsign', 'none', 'pkz'] as const;
export type CryptoMode = (typeof CRYPTO_MODES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The operator INN used in acks (tag 1017) when OFD_INN is unset: the one in the spec's real acks (spec §3.3). */
export const DEFAULT_OPERATOR_INN = '7704211201';
/** spec §7: the devsign master key when none is configured. Not a secret — devsign is not a legal signature. */
export const DEFAULT_DEVSIGN_KEY = 'ofd-dev-master-key';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** An admin token shorter than this is guessable; it carries operator-wide rights. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;
/** Notification history and delivered/failed outbox rows are kept this long (they are not fiscal documents). */
export const DEFAULT_NOTIFICATION_RETENTION_DAYS = 180;
/** Finished export files (Выгрузки, background receipt exports) are kept this long; then the file goes, the row stays. */
export const DEFAULT_EXPORT_RETENTION_DAYS = 7;
/** 100 years: beyond that the cutoff date leaves PostgreSQL's and JavaScript's range, and nothing would ever be deleted anyway. */
export const MAX_NOTIFICATION_RETENTION_DAYS = 36_500;
/**
 * A persist batch commits in about 0.3 s and its locks are extended every half lock: a lock much shorter than a second
 * would expire under a healthy worker, and its jobs would run twice (stored once, but work wasted).
 */
export const MIN_PERSIST_LOCK_MS = 1000;
export const DEFAULT_PDF_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
