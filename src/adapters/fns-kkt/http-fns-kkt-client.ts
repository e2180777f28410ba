/**
 * The FNS KKT registration client over HTTP (fns-kkt-api.ts): an undici pool, a per-attempt timeout, and in-process
 * retries with exponential backoff and jitter for failures that can succeed later (timeouts, connection errors, 5xx,
 * 408, 429, a garbled 2xx). Longer outages are the queue's: the job fails and BullMQ retries it with its own backoff.
 * Submissions are idempotent on applicationId, so a retry after a lost answer is safe.
 */
import { ExponentialBackoff } from 'cockatiel';
import { classifyTransportFailure, parseJsonOrUndefined } from '../http/transport.js';
import { backstoppedPool, createCallPolicy, httpEndpoint, requestJson } from '../http/resilient-call.js';
import {
  FNS_KKT_APPLICATIONS_PATH,
  FnsKktError,
  KktApplicationState,
  KktErrorBody,
  type FnsKktClient,
  type KktRegistrationReport,
  type KktSubmission,
} from './fns-kkt-api.js';

export interface HttpFnsKktClientOptions {
  /** FNS_KKT_URL: scheme, host, port and an optional base path. */
  readonly url: string;
  /** One attempt's budget (connect + headers + body). Default 15 000 ms. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt. Default 2. */
  readonly retries?: number;
  /** First retry delay; doubles per retry, with jitter. Default 250 ms. */
  readonly retryBaseDelayMs?: number;
}

function classifyTransport(e: unknown): FnsKktError {
  const own = (x: unknown): x is FnsKktError => x instanceof FnsKktError;
  return classifyTransportFailure(e, 'FNS', own, (kind, message, cause) =>
    new FnsKktError(kind === 'timeout' ? 'FNS_KKT_TIMEOUT' : 'FNS_KKT_UNAVAILABLE', message, undefined, { cause }),
  );
}

/** An HTTP answer → the state it carries, or the error it means. */
export function classifyKktResponse(status: number, bodyText: string): KktApplicationState | FnsKktError {
  const json = parseJsonOrUndefined(bodyText);
  if (status >= 200 && status < 300) {
    const parsed = KktApplicationState.safeParse(json);
    return parsed.success ? parsed.data : new FnsKktError('FNS_KKT_BAD_RESPONSE', `FNS answered HTTP ${status} with a body outside the contract`, status);
  }
  const body = KktErrorBody.safeParse(json);
  const what = body.success ? `${body.data.code}: ${body.data.message}` : `HTTP ${status}`;
  if (status === 408 || status === 429 || status >= 500) return new FnsKktError('FNS_KKT_SERVER_ERROR', `FNS failed: ${what}`, status);
  return new FnsKktError('FNS_KKT_REFUSED_REQUEST', `FNS refused the request: ${what}`, status);
}

export function createHttpFnsKktClient(options: HttpFnsKktClientOptions): FnsKktClient {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const endpoint = httpEndpoint(options.url, 'FNS KKT');
  const prefix = `${endpoint.prefix}${FNS_KKT_APPLICATIONS_PATH}`;
  const pool = backstoppedPool(endpoint.origin, { timeoutMs, connections: 4 });
  const policy = createCallPolicy({
    timeoutMs,
    retries: options.retries ?? 2,
    backoff: new ExponentialBackoff({ initialDelay: options.retryBaseDelayMs ?? 250, maxDelay: 5000 }),
    retryWhen: (e) => e instanceof FnsKktError && e.retryable,
    classify: classifyTransport,
  });

  function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<KktApplicationState> {
    const json = body === undefined ? {} : { body: JSON.stringify(body) };
    return policy.run(
      () => undefined,
      async (_, signal) => {
        const answer = await requestJson(pool, { method, path: `${prefix}${path}`, ...json }, signal, classifyTransport);
        const result = classifyKktResponse(answer.status, answer.text);
        if (result instanceof FnsKktError) throw result;
        return result;
      },
    );
  }

  let closing: Promise<void> | undefined;
  return {
    submit: (application: KktSubmission) => call('POST', '', application),
    state: (id: string) => call('GET', `/${encodeURIComponent(id)}`),
    sendRegistrationReport: (id: string, report: KktRegistrationReport) =>
      call('POST', `/${encodeURIComponent(id)}/registration-report`, report),
    close() {
      closing ??= pool.close().catch(() => undefined);
      return closing;
    },
  };
}
