/**
 * What every HTTP adapter (FNS, CRPT, …) needs to classify a failure that came before any HTTP answer, and to read a
 * body that may not be JSON.
 */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/**
 * True for a timeout: undici's timeout codes, an AbortSignal.timeout(), or cockatiel's TaskCancelledError. cockatiel
 * 3.2.1's own isTaskCancelledError tests the wrong property (isBulkheadRejectedError), so the flag is checked here.
 */
export function isTimeoutFailure(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    (err as { isTaskCancelledError?: unknown }).isTaskCancelledError === true ||
    err.name === 'TimeoutError' ||
    (typeof code === 'string' && TIMEOUT_CODES.has(code))
  );
}

/** The error's network code (`ECONNREFUSED`, …) as a message prefix, or nothing. */
export function errorCodePrefix(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ` : '';
}

/** JSON.parse that answers undefined instead of throwing: a body that is not JSON is classified by its status. */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A failure before any HTTP answer → the adapter's error: `timeout` for a timeout, else `unavailable` (the connection
 * could not be made or was lost). The adapter's own errors (`isOwn`) pass through.
 */
export function classifyTransportFailure<E extends Error>(
  e: unknown,
  service: string,
  isOwn: (e: unknown) => e is E,
  make: (kind: 'timeout' | 'unavailable', message: string, cause: Error) => E,
): E {
  if (isOwn(e)) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  if (isTimeoutFailure(err)) return make('timeout', `${service} did not answer in time: ${err.message}`, err);
  return make('unavailable', `${service} unreachable: ${errorCodePrefix(err)}${err.message}`, err);
}
