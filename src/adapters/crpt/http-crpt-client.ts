/**
 * The CRPT adapter over HTTP (crpt-api.ts): an undici keep-alive pool, a bearer token from the signed-challenge sign-in
 * (cached until shortly before it expires, dropped on a 401), and cockatiel policies around every call:
 *
 *   retry (exponential backoff with jitter)  →  circuit breaker  →  timeout  →  request
 *
 * Same classification as the FNS adapter: timeouts, connection errors, 5xx/408/429 and garbled 2xx are retryable and
 * count towards the breaker; other 4xx are terminal and do not. cockatiel 3.2.1's isTaskCancelledError checks the wrong
 * property, so timeouts are recognised by the flag itself (src/adapters/http/transport.ts, shared with the FNS client).
 */
import { errorCodePrefix, isTimeoutFailure, parseJsonOrUndefined } from '../http/transport.js';
import { performance } from 'node:perf_hooks';
import {
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  handleWhen,
  isBrokenCircuitError,
  retry,
  timeout,
  TimeoutStrategy,
} from 'cockatiel';
import { Pool } from 'undici';
import type { z } from 'zod';
import { silentLogger, type Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import {
  AuthKeyResponse,
  CodeCheckResponse,
  CRPT_PATHS,
  ErrorBody,
  SaleResponse,
  SignInResponse,
  type CodeCheckResult,
  type CrptSale,
} from './crpt-api.js';
import { CrptError, CrptErrorCodes, isCrptError } from './errors.js';
import type { Signer } from './signer.js';

export interface CrptClient {
  /** Signs a fresh challenge and returns the token (also cached for the other calls). */
  authenticate(): Promise<string>;
  checkCodes(codes: readonly string[]): Promise<CodeCheckResult[]>;
  submitSale(sale: CrptSale): Promise<SaleResponse>;
  circuitState(): 'closed' | 'open' | 'half-open' | 'isolated';
  close(): Promise<void>;
}

export interface HttpCrptClientOptions {
  readonly url: string;
  readonly signer: Signer;
  /** One attempt's budget. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** In-process retries after the first attempt. Default 2. */
  readonly retries?: number;
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
  /** Consecutive retryable failures that open the circuit. Default 5. */
  readonly breakerThreshold?: number;
  readonly halfOpenAfterMs?: number;
  readonly connections?: number;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  readonly random?: () => number;
}

export const HTTP_CRPT_DEFAULTS = {
  timeoutMs: 10_000,
  retries: 2,
  retryBaseDelayMs: 250,
  retryMaxDelayMs: 5000,
  breakerThreshold: 5,
  halfOpenAfterMs: 10_000,
  connections: 8,
} as const;

/** Token reuse stops this long before its announced expiry. */
const TOKEN_MARGIN_MS = 30_000;


export function classifyCrptTransportError(e: unknown): CrptError {
  if (isCrptError(e)) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  if (isTimeoutFailure(err)) {
    return new CrptError(CrptErrorCodes.CRPT_TIMEOUT, `CRPT did not answer in time: ${err.message}`, { cause: err });
  }
  return new CrptError(CrptErrorCodes.CRPT_UNAVAILABLE, `CRPT unreachable: ${errorCodePrefix(err)}${err.message}`, { cause: err });
}


export function classifyCrptResponse<T>(status: number, bodyText: string, schema: z.ZodType<T>): T | CrptError {
  const json = parseJsonOrUndefined(bodyText);
  if (status >= 200 && status < 300) {
    const parsed = schema.safeParse(json);
    return parsed.success ? parsed.data : new CrptError(CrptErrorCodes.CRPT_BAD_RESPONSE, `CRPT answered HTTP ${status} with a body that is not the contract's`, { status });
  }
  const body = ErrorBody.safeParse(json);
  const what = body.success ? `${body.data.code}: ${body.data.message}` : `HTTP ${status}`;
  if (status === 401) return new CrptError(CrptErrorCodes.CRPT_AUTH_FAILED, `CRPT refused the token (${what})`, { status });
  if (status === 408 || status === 429 || status >= 500) return new CrptError(CrptErrorCodes.CRPT_SERVER_ERROR, `CRPT failed: ${what}`, { status });
  if (status === 400 || status === 422) return new CrptError(CrptErrorCodes.CRPT_BAD_REQUEST, `CRPT refused the request: ${what}`, { status });
  return new CrptError(CrptErrorCodes.CRPT_REFUSED, `CRPT refused: ${what}`, { status });
}

export function createHttpCrptClient(options: HttpCrptClientOptions): CrptClient {
  const o = { ...HTTP_CRPT_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof HTTP_CRPT_DEFAULTS &
    HttpCrptClientOptions;
  const random = options.random ?? Math.random;
  const log = (options.logger ?? silentLogger()).child({ component: 'crpt-client' });
  const metrics = options.metrics;
  const base = new URL(options.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new RangeError(`CRPT URL must be http(s), got ${base.protocol}`);
  const prefix = base.pathname.replace(/\/+$/, '');
  const backstopMs = o.timeoutMs + 1000;
  const pool = new Pool(base.origin, {
    connections: o.connections,
    connectTimeout: backstopMs,
    headersTimeout: backstopMs,
    bodyTimeout: backstopMs,
    keepAliveTimeout: 30_000,
  });

  const retryPolicy = retry(
    handleWhen((e) => isCrptError(e) && e.retryable),
    {
      maxAttempts: o.retries,
      backoff: new DelegateBackoff((ctx) => {
        const cap = Math.min(o.retryMaxDelayMs, o.retryBaseDelayMs * 2 ** Math.max(0, ctx.attempt - 1));
        return Math.floor(cap / 2 + random() * (cap / 2));
      }),
    },
  );
  // A refused token is not CRPT being down: it does not count towards the breaker.
  const breaker = circuitBreaker(
    handleWhen((e) => isCrptError(e) && e.retryable && e.code !== CrptErrorCodes.CRPT_AUTH_FAILED),
    { halfOpenAfter: o.halfOpenAfterMs, breaker: new ConsecutiveBreaker(o.breakerThreshold) },
  );
  const timeoutPolicy = timeout(o.timeoutMs, TimeoutStrategy.Aggressive);
  breaker.onStateChange((state) => {
    if (state === CircuitState.Open) log.warn('CRPT circuit opened');
    else log.info({ state }, 'CRPT circuit state changed');
  });

  let token: { value: string; until: number } | undefined;
  let signingIn: Promise<string> | undefined;
  let closed = false;

  async function request<T>(method: 'GET' | 'POST', path: string, body: unknown, schema: z.ZodType<T>, signal: AbortSignal, auth?: string): Promise<T> {
    const started = performance.now();
    try {
      let res;
      try {
        res = await pool.request({
          method,
          path: `${prefix}${path}`,
          headers: {
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(auth ? { authorization: `Bearer ${auth}` } : {}),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal,
        });
      } catch (e) {
        throw classifyCrptTransportError(e);
      }
      let text: string;
      try {
        text = await res.body.text();
      } catch (e) {
        throw classifyCrptTransportError(e);
      }
      const result = classifyCrptResponse(res.statusCode, text, schema);
      if (result instanceof CrptError) throw result;
      return result;
    } finally {
      metrics?.forward.latency.observe({ target: 'crpt' }, (performance.now() - started) / 1000);
    }
  }

  /** One policy-wrapped call; `auth` adds the bearer token (signing in first when there is none). */
  async function call<T>(method: 'GET' | 'POST', path: string, body: unknown, schema: z.ZodType<T>, auth: boolean): Promise<T> {
    if (closed) throw new CrptError(CrptErrorCodes.CRPT_UNAVAILABLE, 'the CRPT client is closed', { requestSent: false });
    let sent = false;
    try {
      return await retryPolicy.execute(async () => {
        const bearer = auth ? await currentToken() : undefined;
        return breaker.execute(async () => {
          sent = true;
          try {
            return await timeoutPolicy.execute(({ signal }) => request(method, path, body, schema, signal, bearer));
          } catch (e) {
            const err = classifyCrptTransportError(e);
            if (err.code === CrptErrorCodes.CRPT_AUTH_FAILED) token = undefined;
            throw err;
          }
        });
      });
    } catch (e) {
      if (isBrokenCircuitError(e)) throw new CrptError(CrptErrorCodes.CRPT_CIRCUIT_OPEN, 'CRPT circuit is open after repeated failures', { requestSent: sent, cause: e });
      throw classifyCrptTransportError(e);
    }
  }

  async function signIn(): Promise<string> {
    const challenge = await call('GET', CRPT_PATHS.authKey, undefined, AuthKeyResponse, false);
    const signed = await options.signer.sign(Buffer.from(challenge.data, 'utf8'));
    const answer = await call('POST', CRPT_PATHS.signIn, { uuid: challenge.uuid, ...signed }, SignInResponse, false);
    token = { value: answer.token, until: Date.now() + answer.expiresIn * 1000 - TOKEN_MARGIN_MS };
    log.info({ alg: signed.alg }, 'signed in to CRPT');
    return answer.token;
  }

  function currentToken(): Promise<string> {
    if (token && token.until > Date.now()) return Promise.resolve(token.value);
    signingIn ??= signIn().finally(() => (signingIn = undefined));
    return signingIn;
  }

  return {
    authenticate: () => {
      token = undefined;
      return currentToken();
    },
    async checkCodes(codes) {
      if (codes.length === 0) return [];
      return (await call('POST', CRPT_PATHS.check, { codes }, CodeCheckResponse, true)).codes;
    },
    submitSale: (sale) => call('POST', CRPT_PATHS.sales, sale, SaleResponse, true),
    circuitState: () => {
      switch (breaker.state) {
        case CircuitState.Open:
          return 'open';
        case CircuitState.HalfOpen:
          return 'half-open';
        case CircuitState.Isolated:
          return 'isolated';
        default:
          return 'closed';
      }
    },
    async close() {
      closed = true;
      await pool.close().catch(() => undefined);
    },
  };
}
