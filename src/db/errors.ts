import { codeTable, CodedError, type CodeOf } from '../domain/errors.js';

/**
 * Every failure the database layer reports with a code of its own. Codes are stable: tests, logs and the CLI print them.
 *
 * - DB_BAD_URL           DATABASE_URL is not a postgres:// or postgresql:// URL.
 * - DB_UNAVAILABLE       PostgreSQL cannot be reached, refuses the credentials, or is starting up / shutting down.
 * - DB_MIGRATION_FAILED  A migration failed (its transaction was rolled back), or the recorded migrations do not match
 *                        the code's.
 * - DB_PARTITION_FAILED  Creating the monthly partitions failed.
 * - DB_UNSAFE_INTEGER    An int8 value read from PostgreSQL is outside Number.MAX_SAFE_INTEGER: it would lose digits as
 *                        a JS number.
 * - DB_RAW_CODEC_UNKNOWN A stored raw container names a raw_codec this version cannot unpack (written by a newer one).
 * - DB_RAW_CONTEXT_MISSING A stored raw container (raw_codec 2) names a context raw_contexts does not hold.
 * - DB_RAW_CONTEXT_DAMAGED A raw_contexts row does not hash to its key.
 * - DB_RAW_CONTEXT_NOT_LOADED A reader unpacked a codec-2 container before loading its context (a bug: loadRawContexts).
 */
export const DbErrorCodes = codeTable('DB_BAD_URL', 'DB_UNAVAILABLE', 'DB_MIGRATION_FAILED', 'DB_PARTITION_FAILED', 'DB_UNSAFE_INTEGER',
  'DB_RAW_CODEC_UNKNOWN', 'DB_RAW_CONTEXT_MISSING', 'DB_RAW_CONTEXT_DAMAGED', 'DB_RAW_CONTEXT_NOT_LOADED');

export type DbErrorCode = CodeOf<typeof DbErrorCodes>;

export class DbError extends CodedError<DbErrorCode> {
  override readonly name = 'DbError';
}

export function isDbError(e: unknown): e is DbError {
  return e instanceof DbError;
}

// Node's socket errors and the SQLSTATE classes that mean "no usable server" rather than "your statement is wrong":
// 08 connection exception, 28 invalid authorization, 3D000 no such database, 57P01..57P03 shutdown / cannot connect now.
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH']);
const UNAVAILABLE_SQLSTATE = /^(08|28|3D000$|57P0[123]$)/;

/** True when `e` (or its cause) says PostgreSQL could not be used at all. */
export function isUnavailableError(e: unknown): boolean {
  for (let cur = e, depth = 0; cur instanceof Error && depth < 5; cur = cur.cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    if (cur.message.includes('Connection terminated') || cur.message.includes('timeout exceeded when trying to connect')) {
      return true;
    }
  }
  return false;
}

/** Wraps a failure as a DbError: DB_UNAVAILABLE when the server could not be used, else `code`. */
export function toDbError(code: DbErrorCode, context: string, e: unknown): DbError {
  if (isDbError(e)) return e;
  const detail = e instanceof Error ? e.message : String(e);
  if (isUnavailableError(e)) return new DbError(DbErrorCodes.DB_UNAVAILABLE, `${context}: PostgreSQL unavailable: ${detail}`, { cause: e });
  return new DbError(code, `${context}: ${detail}`, { cause: e });
}
