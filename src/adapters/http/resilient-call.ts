/**
 * The HTTP call of the adapters that talk to a state service (FNS, CRPT, FNS KKT registration): an undici keep-alive
 * pool, and cockatiel policies around every call:
 *
 *   retry (backoff, or the failure's own delay)  →  circuit breaker (optional)  →  timeout  →  request
 *
 * - Timeout: each attempt has `timeoutMs` for connect + headers + body; the aggressive timeout aborts the request. The
 *   pool's own timeouts are a second later, a backstop: nothing can hang if the abort is lost.
 * - Retry: only what `retryWhen` accepts (the adapter's retryable failures).
 * - Circuit breaker: `threshold` consecutive failures that `countWhen` accepts open it; while open, a call rejects at
 *   once with the adapter's circuit-open error and no request leaves; after `halfOpenAfterMs` one call is let through.
 *
 * The adapter supplies only what is its own: how a failure is classified into its error class, which failures are
 * retried and counted, and how an answer is read. The latency of every request goes to `observe` (the metric hook).
 */
import { performance } from 'node:perf_hooks';
import type { IncomingHttpHeaders } from 'node:http';
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
  type CircuitBreakerPolicy,
  type IBackoffFactory,
  type IRetryBackoffContext,
  type RetryPolicy,
} from 'cockatiel';
import { Pool } from 'undici';

export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

export function circuitStateName(state: CircuitState): CircuitStateName {
  switch (state) {
    case CircuitState.Open:
      return 'open';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Isolated:
      return 'isolated';
    default:
      return 'closed';
  }
}

/** The options that are set, so that spreading them over the defaults keeps a default where an option is undefined. */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// ---- the endpoint and its pool ---------------------------------------------------------------------------------------

export interface Endpoint {
  readonly origin: string;
  /** The base URL's path without its trailing slashes: every request path starts with it. */
  readonly prefix: string;
}

/** Splits a service URL into the pool's origin and the path prefix; `what` names the service when it is not http(s). */
export function httpEndpoint(url: string, what: string): Endpoint {
  const base = new URL(url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new RangeError(`${what} URL must be http(s), got ${base.protocol}`);
  return { origin: base.origin, prefix: base.pathname.replace(/\/+$/, '') };
}

export interface PoolOptions {
  readonly timeoutMs: number;
  readonly connections: number;
  /** Idle keep-alive; undici's default when absent. */
  readonly keepAliveTimeoutMs?: number;
}

/** A keep-alive pool whose own timeouts back up the policy's timeout (which aborts first). */
export function backstoppedPool(origin: string, o: PoolOptions): Pool {
  const backstopMs = o.timeoutMs + 1000;
  return new Pool(origin, {
    connections: o.connections,
    connectTimeout: backstopMs,
    headersTimeout: backstopMs,
    bodyTimeout: backstopMs,
    ...(o.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: o.keepAliveTimeoutMs }),
  });
}

// ---- one request -----------------------------------------------------------------------------------------------------

export interface JsonCall {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** The JSON text sent; no body (and no content-type) when absent. */
  readonly body?: string;
  /** A bearer token for `Authorization`. */
  readonly bearer?: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/**
 * One JSON request on the pool. A failure before the whole answer is read becomes `classifyTransport(e)`; `observe`
 * gets the seconds it took, whatever the outcome.
 */
export async function requestJson(
  pool: Pool,
  call: JsonCall,
  signal: AbortSignal,
  classifyTransport: (e: unknown) => Error,
  observe?: (seconds: number) => void,
): Promise<HttpAnswer> {
  const started = performance.now();
  try {
    let res;
    try {
      res = await pool.request({
        method: call.method,
        path: call.path,
        headers: {
          accept: 'application/json',
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(call.bearer ? { authorization: `Bearer ${call.bearer}` } : {}),
        },
        ...(call.body === undefined ? {} : { body: call.body }),
        signal,
      });
    } catch (e) {
      throw classifyTransport(e);
    }
    try {
      return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    } catch (e) {
      throw classifyTransport(e);
    }
  } finally {
    observe?.((performance.now() - started) / 1000);
  }
}

// ---- the policies ----------------------------------------------------------------------------------------------------

/**
 * Delay before retry `attempt` (1-based), exponential with "equal jitter": uniformly in [cap/2, cap), cap = min(max,
 * base·2^(attempt−1)) — never a burst of immediate retries, and clients that failed together spread out.
 */
export function equalJitterDelayMs(attempt: number, o: { baseMs: number; maxMs: number; random: () => number }): number {
  const cap = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(cap / 2 + o.random() * (cap / 2));
}

/** A cockatiel backoff from a delay function of (attempt, the failure that is retried). */
export function delegateBackoff(delayMs: (attempt: number, error: unknown) => number): IBackoffFactory<IRetryBackoffContext<unknown>> {
  return new DelegateBackoff((ctx: IRetryBackoffContext<unknown>) => delayMs(ctx.attempt, 'error' in ctx.result ? ctx.result.error : undefined));
}

export interface CallPolicyOptions<E extends Error> {
  readonly timeoutMs: number;
  /** Retries after the first attempt. */
  readonly retries: number;
  readonly backoff: IBackoffFactory<IRetryBackoffContext<unknown>>;
  readonly retryWhen: (e: Error) => boolean;
  readonly breaker?: {
    readonly threshold: number;
    readonly halfOpenAfterMs: number;
    readonly countWhen: (e: Error) => boolean;
    /** The adapter's error for a call refused by the open circuit; `requestSent` tells whether an earlier attempt left. */
    readonly openError: (requestSent: boolean, cause: unknown) => E;
  };
  /** Any failure → the adapter's error (its own errors pass through). */
  readonly classify: (e: unknown) => E;
  /** Sees every failed attempt's error inside the breaker (e.g. to drop a refused token). */
  readonly onAttemptFailure?: (e: E) => void;
}

export interface CallPolicy {
  /**
   * One policy-wrapped call. `prepare` runs in each retry before the breaker (a sign-in: its own failures do not count
   * twice); `attempt` runs under the timeout with its abort signal.
   */
  run<P, T>(prepare: () => P | Promise<P>, attempt: (prepared: P, signal: AbortSignal) => Promise<T>): Promise<T>;
  readonly retry: RetryPolicy;
  readonly breaker: CircuitBreakerPolicy | undefined;
  circuitState(): CircuitStateName;
}

export function createCallPolicy<E extends Error>(o: CallPolicyOptions<E>): CallPolicy {
  const retryPolicy = retry(handleWhen(o.retryWhen), { maxAttempts: o.retries, backoff: o.backoff });
  const breaker = o.breaker
    ? circuitBreaker(handleWhen(o.breaker.countWhen), { halfOpenAfter: o.breaker.halfOpenAfterMs, breaker: new ConsecutiveBreaker(o.breaker.threshold) })
    : undefined;
  const timeoutPolicy = timeout(o.timeoutMs, TimeoutStrategy.Aggressive);

  async function run<P, T>(prepare: () => P | Promise<P>, attempt: (prepared: P, signal: AbortSignal) => Promise<T>): Promise<T> {
    let sent = false;
    try {
      return await retryPolicy.execute(async () => {
        const prepared = await prepare();
        const once = async () => {
          sent = true;
          try {
            return await timeoutPolicy.execute(({ signal }) => attempt(prepared, signal));
          } catch (e) {
            // Inside the breaker, so it counts timeouts (TaskCancelledError) like any other failure.
            const err = o.classify(e);
            o.onAttemptFailure?.(err);
            throw err;
          }
        };
        return breaker ? breaker.execute(once) : once();
      });
    } catch (e) {
      if (o.breaker && isBrokenCircuitError(e)) throw o.breaker.openError(sent, e);
      throw o.classify(e);
    }
  }

  return {
    run,
    retry: retryPolicy,
    breaker,
    circuitState: () => (breaker ? circuitStateName(breaker.state) : 'closed'),
  };
}

/** The settings the FNS and CRPT clients share by name (their HTTP_*_DEFAULTS fill what the caller leaves out). */
export interface ResilientSettings {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly breakerThreshold: number;
  readonly halfOpenAfterMs: number;
  readonly random: () => number;
}

/** createCallPolicy from those settings: equal-jitter backoff unless `delayMs` decides, and a circuit breaker. */
export function settingsCallPolicy<E extends Error>(
  s: ResilientSettings,
  o: Pick<CallPolicyOptions<E>, 'retryWhen' | 'classify' | 'onAttemptFailure'> & {
    readonly countWhen: (e: Error) => boolean;
    readonly openError: (requestSent: boolean, cause: unknown) => E;
    readonly delayMs?: (attempt: number, error: unknown, jitter: { baseMs: number; maxMs: number; random: () => number }) => number;
  },
): CallPolicy {
  const jitter = { baseMs: s.retryBaseDelayMs, maxMs: s.retryMaxDelayMs, random: s.random };
  return createCallPolicy({
    timeoutMs: s.timeoutMs,
    retries: s.retries,
    backoff: delegateBackoff((attempt, error) => (o.delayMs ? o.delayMs(attempt, error, jitter) : equalJitterDelayMs(attempt, jitter))),
    retryWhen: o.retryWhen,
    breaker: { threshold: s.breakerThreshold, halfOpenAfterMs: s.halfOpenAfterMs, countWhen: o.countWhen, openError: o.openError },
    classify: o.classify,
    ...(o.onAttemptFailure ? { onAttemptFailure: o.onAttemptFailure } : {}),
  });
}
