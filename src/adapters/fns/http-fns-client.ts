/**
 * The FNS adapter over HTTP (fns-api.ts): an undici keep-alive pool, and cockatiel policies around every batch:
 *
 *   retry (exponential backoff with jitter, Retry-After honoured)  →  circuit breaker  →  timeout  →  POST
 *
 * - Timeout: each attempt has `timeoutMs` for connect + headers + body; the aggressive timeout aborts the request.
 * - Retry: only failures that can succeed later (FnsError.retryable: timeouts, connection errors, 5xx/408, 429, a
 *   garbled 2xx). A 429's Retry-After is the delay when it is ≤ maxRetryAfterMs; a longer one is not waited for here —
 *   the error goes up with retryAfterMs so the worker pauses the queue for that long. Other 4xx are terminal at once.
 * - Circuit breaker: `breakerThreshold` consecutive retryable failures open it; while open, send() rejects at once with
 *   FNS_CIRCUIT_OPEN and no request leaves (requestSent false); after halfOpenAfterMs one batch is let through as a
 *   probe — success closes the circuit, failure opens it again. Terminal 4xx do not count: the FNS is up.
 *
 * These in-process retries ride out blips of seconds. Longer outages are the job queue's: the worker fails the job and
 * BullMQ retries it with its own (much longer) backoff.
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
  type IRetryBackoffContext,
} from 'cockatiel';
import { Gauge } from 'prom-client';
import { Pool } from 'undici';
import { silentLogger, type Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import {
  FNS_DOCUMENTS_PATH,
  FNS_MAX_DOCUMENTS,
  FnsErrorBody,
  FnsResponseBody,
  type FnsBatchResult,
  type FnsDocumentSubmission,
} from './fns-api.js';
import type { CircuitStateName, FnsClient } from './fns-client.js';
import { FnsError, FnsErrorCodes, isFnsError } from './errors.js';

export interface HttpFnsClientOptions {
  /** FNS_URL: scheme, host, port and an optional base path; the API lives under `<url>/api/v1/documents`. */
  readonly url: string;
  /** One attempt's budget: connect + headers + body. Default 15 000 ms. */
  readonly timeoutMs?: number;
  /** In-process retries after the first attempt. Default 2. */
  readonly retries?: number;
  /** First retry delay before jitter; doubles per retry. Default 250 ms. */
  readonly retryBaseDelayMs?: number;
  /** Cap of one retry delay. Default 5000 ms. */
  readonly retryMaxDelayMs?: number;
  /** A 429's Retry-After up to this long is waited for in-process; a longer one is handed to the caller. Default 10 000 ms. */
  readonly maxRetryAfterMs?: number;
  /** Consecutive retryable failures that open the circuit. Default 5. */
  readonly breakerThreshold?: number;
  /** How long the circuit stays open before a probe. Default 10 000 ms. */
  readonly halfOpenAfterMs?: number;
  /** Keep-alive connections to the FNS. Default 8. */
  readonly connections?: number;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  /** Jitter source in [0, 1); tests pin it. Default Math.random. */
  readonly random?: () => number;
}

export interface HttpFnsClient extends FnsClient {
  /** The circuit breaker's state now. */
  circuitState(): CircuitStateName;
  /** Called on every state change of the circuit; returns the unsubscribe function. */
  onCircuitStateChange(listener: (state: CircuitStateName) => void): () => void;
}

export const HTTP_FNS_DEFAULTS = {
  timeoutMs: 15_000,
  retries: 2,
  retryBaseDelayMs: 250,
  retryMaxDelayMs: 5000,
  maxRetryAfterMs: 10_000,
  breakerThreshold: 5,
  halfOpenAfterMs: 10_000,
  connections: 8,
} as const;

const TARGET = 'fns';

// ---- classification (pure) ------------------------------------------------------------------------------------------

/** Retry-After as milliseconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP-date starts with the day name (IMF-fixdate, RFC 850, asctime); Date.parse alone takes "1.5" for a date.
  if (!/^[A-Za-z]{3}/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}



/** A failure before any HTTP answer: a timeout, or the connection could not be made or was lost. */
export function classifyTransportError(e: unknown): FnsError {
  if (isFnsError(e)) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  if (isTimeoutFailure(err)) {
    return new FnsError(FnsErrorCodes.FNS_TIMEOUT, `FNS did not answer in time: ${err.message}`, { cause: err });
  }
  return new FnsError(FnsErrorCodes.FNS_UNAVAILABLE, `FNS unreachable: ${errorCodePrefix(err)}${err.message}`, { cause: err });
}


/** An HTTP answer → the batch result, or the FnsError it means. */
export function classifyResponse(
  status: number,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  bodyText: string,
  nowMs = Date.now(),
): FnsBatchResult | FnsError {
  const json = parseJsonOrUndefined(bodyText);
  if (status >= 200 && status < 300) {
    const parsed = FnsResponseBody.safeParse(json);
    if (!parsed.success) {
      return new FnsError(FnsErrorCodes.FNS_BAD_RESPONSE, `FNS answered HTTP ${status} with a body that is not the contract's answer`, { status });
    }
    return {
      documents: parsed.data.documents.map((d) => ({
        fn: d.fn,
        fd: d.fd,
        status: d.status,
        errors: d.errors ?? [],
        duplicate: d.duplicate ?? false,
      })),
    };
  }
  const body = FnsErrorBody.safeParse(json);
  const what = body.success ? `${body.data.code}: ${body.data.message}` : `HTTP ${status}`;
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after'], nowMs);
    return new FnsError(FnsErrorCodes.FNS_RATE_LIMITED, `FNS rate limit (${what})`, {
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status === 408 || status >= 500) return new FnsError(FnsErrorCodes.FNS_SERVER_ERROR, `FNS failed: ${what}`, { status });
  if (status === 400 || status === 413 || status === 422) {
    const documents = body.success ? body.data.documents : undefined;
    return new FnsError(FnsErrorCodes.FNS_BAD_REQUEST, `FNS refused the request: ${what}`, { status, ...(documents ? { documents } : {}) });
  }
  if (status >= 400 && status < 500) return new FnsError(FnsErrorCodes.FNS_REFUSED, `FNS refused: ${what}`, { status });
  return new FnsError(FnsErrorCodes.FNS_BAD_RESPONSE, `FNS answered HTTP ${status}`, { status });
}

/**
 * Delay before retry `attempt` (1-based): the Retry-After when the failure carried one, else exponential with "equal
 * jitter" — uniformly in [cap/2, cap), cap = min(max, base·2^(attempt−1)): never a burst of immediate retries, and
 * clients that failed together spread out.
 */
export function retryDelayMs(
  attempt: number,
  error: unknown,
  o: { baseMs: number; maxMs: number; random: () => number },
): number {
  if (isFnsError(error) && error.retryAfterMs !== undefined) return error.retryAfterMs;
  const cap = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(cap / 2 + o.random() * (cap / 2));
}

function stateName(state: CircuitState): CircuitStateName {
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

/** ofd_forward_circuit_state{target}: 0 closed, 1 open, 2 half-open — one gauge per registry, shared by every client. */
function circuitGauge(metrics: Metrics | undefined): Gauge<'target'> | undefined {
  if (!metrics) return undefined;
  const name = 'ofd_forward_circuit_state';
  const existing = metrics.registry.getSingleMetric(name);
  if (existing) return existing as Gauge<'target'>;
  return new Gauge({
    name,
    help: 'Circuit breaker of a forwarding target: 0 closed, 1 open (no requests), 2 half-open (probing).',
    labelNames: ['target'] as const,
    registers: [metrics.registry],
  });
}

// ---- the client ------------------------------------------------------------------------------------------------------

export function createHttpFnsClient(options: HttpFnsClientOptions): HttpFnsClient {
  const o = { ...HTTP_FNS_DEFAULTS, ...definedOnly(options) };
  const random = options.random ?? Math.random;
  const log = (options.logger ?? silentLogger()).child({ component: 'fns-client' });
  const metrics = options.metrics;
  const gauge = circuitGauge(metrics);

  const base = new URL(options.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new RangeError(`FNS URL must be http(s), got ${base.protocol}`);
  const path = `${base.pathname.replace(/\/+$/, '')}${FNS_DOCUMENTS_PATH}`;
  // undici's own timeouts back up the policy's (which aborts first): nothing can hang if the abort is lost.
  const backstopMs = o.timeoutMs + 1000;
  const pool = new Pool(base.origin, {
    connections: o.connections,
    connectTimeout: backstopMs,
    headersTimeout: backstopMs,
    bodyTimeout: backstopMs,
    keepAliveTimeout: 30_000,
  });

  const retryable = (e: Error): boolean =>
    isFnsError(e) && e.retryable && !(e.retryAfterMs !== undefined && e.retryAfterMs > o.maxRetryAfterMs);
  const retryPolicy = retry(handleWhen(retryable), {
    maxAttempts: o.retries,
    backoff: new DelegateBackoff((ctx: IRetryBackoffContext<unknown>) =>
      retryDelayMs(ctx.attempt, 'error' in ctx.result ? ctx.result.error : undefined, {
        baseMs: o.retryBaseDelayMs,
        maxMs: o.retryMaxDelayMs,
        random,
      }),
    ),
  });
  const breaker = circuitBreaker(
    handleWhen((e) => isFnsError(e) && e.retryable),
    { halfOpenAfter: o.halfOpenAfterMs, breaker: new ConsecutiveBreaker(o.breakerThreshold) },
  );
  const timeoutPolicy = timeout(o.timeoutMs, TimeoutStrategy.Aggressive);

  const listeners = new Set<(state: CircuitStateName) => void>();
  gauge?.set({ target: TARGET }, 0);
  breaker.onStateChange((state) => {
    const name = stateName(state);
    gauge?.set({ target: TARGET }, state === CircuitState.Open ? 1 : state === CircuitState.HalfOpen ? 2 : 0);
    if (name === 'open') log.warn({ circuit: name }, 'FNS circuit opened: not sending until the probe succeeds');
    else log.info({ circuit: name }, 'FNS circuit state changed');
    for (const listener of listeners) listener(name);
  });
  retryPolicy.onRetry((r) => {
    const reason = 'error' in r ? r.error : undefined;
    log.debug({ attempt: r.attempt, delayMs: r.delay, code: isFnsError(reason) ? reason.code : undefined }, 'retrying FNS request');
  });

  async function post(body: string, signal: AbortSignal): Promise<FnsBatchResult> {
    const started = performance.now();
    try {
      let res;
      try {
        res = await pool.request({
          method: 'POST',
          path,
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body,
          signal,
        });
      } catch (e) {
        throw classifyTransportError(e);
      }
      let text: string;
      try {
        text = await res.body.text();
      } catch (e) {
        throw classifyTransportError(e);
      }
      const result = classifyResponse(res.statusCode, res.headers, text);
      if (result instanceof FnsError) throw result;
      return result;
    } finally {
      metrics?.forward.latency.observe({ target: TARGET }, (performance.now() - started) / 1000);
    }
  }

  let closing: Promise<void> | undefined;

  return {
    async send(batch: readonly FnsDocumentSubmission[]): Promise<FnsBatchResult> {
      if (batch.length === 0) return { documents: [] };
      if (batch.length > FNS_MAX_DOCUMENTS) throw new RangeError(`at most ${FNS_MAX_DOCUMENTS} documents per batch, got ${batch.length}`);
      if (closing) throw new FnsError(FnsErrorCodes.FNS_UNAVAILABLE, 'the FNS client is closed', { requestSent: false });
      const body = JSON.stringify({ documents: batch });
      let sent = false;
      try {
        return await retryPolicy.execute(() =>
          breaker.execute(async () => {
            sent = true;
            try {
              return await timeoutPolicy.execute(({ signal }) => post(body, signal));
            } catch (e) {
              // Inside the breaker, so it counts timeouts (TaskCancelledError) like any other retryable failure.
              throw classifyTransportError(e);
            }
          }),
        );
      } catch (e) {
        if (isBrokenCircuitError(e)) {
          throw new FnsError(FnsErrorCodes.FNS_CIRCUIT_OPEN, 'FNS circuit is open after repeated failures', { requestSent: sent, cause: e });
        }
        throw classifyTransportError(e);
      }
    },
    circuitState: () => stateName(breaker.state),
    onCircuitStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closing ??= pool.close().catch(() => undefined);
      return closing;
    },
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
