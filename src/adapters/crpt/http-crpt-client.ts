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
import { CircuitState } from 'cockatiel';
import type { Pool } from 'undici';
import type { z } from 'zod';
import { silentLogger, type Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { classifyTransportFailure, parseJsonOrUndefined } from '../http/transport.js';
import {
  backstoppedPool,
  definedOnly,
  httpEndpoint,
  requestJson,
  settingsCallPolicy,
  type CallPolicy,
  type CircuitStateName,
  type JsonCall,
} from '../http/resilient-call.js';
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
  circuitState(): CircuitStateName;
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
  return classifyTransportFailure(e, 'CRPT', isCrptError, (kind, message, cause) =>
    new CrptError(kind === 'timeout' ? CrptErrorCodes.CRPT_TIMEOUT : CrptErrorCodes.CRPT_UNAVAILABLE, message, { cause }),
  );
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

type CrptSettings = { readonly [K in keyof typeof HTTP_CRPT_DEFAULTS]: number } & { readonly random: () => number };

/** retry → breaker → timeout; a refused token is not CRPT being down: it does not count towards the breaker. */
function crptCallPolicy(o: CrptSettings, onAttemptFailure: (e: CrptError) => void): CallPolicy {
  return settingsCallPolicy(o, {
    retryWhen: (e) => isCrptError(e) && e.retryable,
    countWhen: (e) => isCrptError(e) && e.retryable && e.code !== CrptErrorCodes.CRPT_AUTH_FAILED,
    openError: (requestSent, cause) =>
      new CrptError(CrptErrorCodes.CRPT_CIRCUIT_OPEN, 'CRPT circuit is open after repeated failures', { requestSent, cause }),
    classify: classifyCrptTransportError,
    onAttemptFailure,
  });
}

/** One request: the contract's answer, or the CrptError it means. */
async function requestCrpt<T>(pool: Pool, call: JsonCall, schema: z.ZodType<T>, signal: AbortSignal, metrics: Metrics | undefined): Promise<T> {
  const observe = metrics ? (s: number) => metrics.forward.latency.observe({ target: 'crpt' }, s) : undefined;
  const answer = await requestJson(pool, call, signal, classifyCrptTransportError, observe);
  const result = classifyCrptResponse(answer.status, answer.text, schema);
  if (result instanceof CrptError) throw result;
  return result;
}

/** The bearer token: signed in once, shared by concurrent callers, reused until shortly before it expires. */
function tokenCache(signIn: () => Promise<{ token: string; expiresIn: number }>) {
  let token: { value: string; until: number } | undefined;
  let signingIn: Promise<string> | undefined;
  const fresh = async () => {
    const answer = await signIn();
    token = { value: answer.token, until: Date.now() + answer.expiresIn * 1000 - TOKEN_MARGIN_MS };
    return answer.token;
  };
  return {
    current(): Promise<string> {
      if (token && token.until > Date.now()) return Promise.resolve(token.value);
      signingIn ??= fresh().finally(() => (signingIn = undefined));
      return signingIn;
    },
    drop(): void {
      token = undefined;
    },
  };
}

export function createHttpCrptClient(options: HttpCrptClientOptions): CrptClient {
  const o: CrptSettings = { ...HTTP_CRPT_DEFAULTS, ...definedOnly(options), random: options.random ?? Math.random };
  const log = (options.logger ?? silentLogger()).child({ component: 'crpt-client' });
  const { origin, prefix } = httpEndpoint(options.url, 'CRPT');
  const pool = backstoppedPool(origin, { timeoutMs: o.timeoutMs, connections: o.connections, keepAliveTimeoutMs: 30_000 });
  const policy = crptCallPolicy(o, (err) => {
    if (err.code === CrptErrorCodes.CRPT_AUTH_FAILED) token.drop();
  });
  policy.breaker?.onStateChange((state) => {
    if (state === CircuitState.Open) log.warn('CRPT circuit opened');
    else log.info({ state }, 'CRPT circuit state changed');
  });
  let closed = false;

  /** One policy-wrapped call; `auth` adds the bearer token (signing in first when there is none). */
  function call<T>(method: 'GET' | 'POST', path: string, body: unknown, schema: z.ZodType<T>, auth: boolean): Promise<T> {
    if (closed) return Promise.reject(new CrptError(CrptErrorCodes.CRPT_UNAVAILABLE, 'the CRPT client is closed', { requestSent: false }));
    const json = body === undefined ? {} : { body: JSON.stringify(body) };
    return policy.run(
      () => (auth ? token.current() : undefined),
      (bearer, signal) => requestCrpt(pool, { method, path: `${prefix}${path}`, ...json, ...(bearer ? { bearer } : {}) }, schema, signal, options.metrics),
    );
  }

  const token = tokenCache(async () => {
    const challenge = await call('GET', CRPT_PATHS.authKey, undefined, AuthKeyResponse, false);
    const signed = await options.signer.sign(Buffer.from(challenge.data, 'utf8'));
    const answer = await call('POST', CRPT_PATHS.signIn, { uuid: challenge.uuid, ...signed }, SignInResponse, false);
    log.info({ alg: signed.alg }, 'signed in to CRPT');
    return answer;
  });

  return {
    authenticate: () => {
      token.drop();
      return token.current();
    },
    async checkCodes(codes) {
      if (codes.length === 0) return [];
      return (await call('POST', CRPT_PATHS.check, { codes }, CodeCheckResponse, true)).codes;
    },
    submitSale: (sale) => call('POST', CRPT_PATHS.sales, sale, SaleResponse, true),
    circuitState: () => policy.circuitState(),
    async close() {
      closed = true;
      await pool.close().catch(() => undefined);
    },
  };
}
