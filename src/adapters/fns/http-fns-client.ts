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
import { Gauge } from 'prom-client';
import type { Pool } from 'undici';
import { silentLogger, type Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { classifyTransportFailure, parseJsonOrUndefined } from '../http/transport.js';
import {
  backstoppedPool,
  circuitStateName,
  definedOnly,
  equalJitterDelayMs,
  httpEndpoint,
  requestJson,
  settingsCallPolicy,
  type CallPolicy,
} from '../http/resilient-call.js';
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
  return classifyTransportFailure(e, 'FNS', isFnsError, (kind, message, cause) =>
    new FnsError(kind === 'timeout' ? FnsErrorCodes.FNS_TIMEOUT : FnsErrorCodes.FNS_UNAVAILABLE, message, { cause }),
  );
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
 * Delay before retry `attempt` (1-based): the Retry-After when the failure carried one, else exponential with equal
 * jitter (equalJitterDelayMs).
 */
export function retryDelayMs(
  attempt: number,
  error: unknown,
  o: { baseMs: number; maxMs: number; random: () => number },
): number {
  if (isFnsError(error) && error.retryAfterMs !== undefined) return error.retryAfterMs;
  return equalJitterDelayMs(attempt, o);
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

type FnsSettings = { readonly [K in keyof typeof HTTP_FNS_DEFAULTS]: number } & { readonly random: () => number };

/** retry → breaker → timeout, as the module comment says; a long Retry-After is not waited for in-process. */
function fnsCallPolicy(o: FnsSettings): CallPolicy {
  return settingsCallPolicy(o, {
    delayMs: retryDelayMs,
    retryWhen: (e) => isFnsError(e) && e.retryable && !(e.retryAfterMs !== undefined && e.retryAfterMs > o.maxRetryAfterMs),
    countWhen: (e) => isFnsError(e) && e.retryable,
    openError: (requestSent, cause) =>
      new FnsError(FnsErrorCodes.FNS_CIRCUIT_OPEN, 'FNS circuit is open after repeated failures', { requestSent, cause }),
    classify: classifyTransportError,
  });
}

/** The circuit's state changes → the gauge, the log and the subscribers; retries → the debug log. */
function watchCircuit(policy: CallPolicy, metrics: Metrics | undefined, log: Logger, listeners: Set<(state: CircuitStateName) => void>): void {
  const gauge = circuitGauge(metrics);
  gauge?.set({ target: TARGET }, 0);
  policy.breaker?.onStateChange((state) => {
    const name = circuitStateName(state);
    gauge?.set({ target: TARGET }, name === 'open' ? 1 : name === 'half-open' ? 2 : 0);
    if (name === 'open') log.warn({ circuit: name }, 'FNS circuit opened: not sending until the probe succeeds');
    else log.info({ circuit: name }, 'FNS circuit state changed');
    for (const listener of listeners) listener(name);
  });
  policy.retry.onRetry((r) => {
    const reason = 'error' in r ? r.error : undefined;
    log.debug({ attempt: r.attempt, delayMs: r.delay, code: isFnsError(reason) ? reason.code : undefined }, 'retrying FNS request');
  });
}

/** One POST of a batch: the answer, or the FnsError it means. */
async function postBatch(pool: Pool, path: string, body: string, signal: AbortSignal, metrics: Metrics | undefined): Promise<FnsBatchResult> {
  const observe = metrics ? (s: number) => metrics.forward.latency.observe({ target: TARGET }, s) : undefined;
  const answer = await requestJson(pool, { method: 'POST', path, body }, signal, classifyTransportError, observe);
  const result = classifyResponse(answer.status, answer.headers, answer.text);
  if (result instanceof FnsError) throw result;
  return result;
}

export function createHttpFnsClient(options: HttpFnsClientOptions): HttpFnsClient {
  const o: FnsSettings = { ...HTTP_FNS_DEFAULTS, ...definedOnly(options), random: options.random ?? Math.random };
  const log = (options.logger ?? silentLogger()).child({ component: 'fns-client' });
  const endpoint = httpEndpoint(options.url, 'FNS');
  const path = `${endpoint.prefix}${FNS_DOCUMENTS_PATH}`;
  const pool = backstoppedPool(endpoint.origin, { timeoutMs: o.timeoutMs, connections: o.connections, keepAliveTimeoutMs: 30_000 });
  const policy = fnsCallPolicy(o);
  const listeners = new Set<(state: CircuitStateName) => void>();
  watchCircuit(policy, options.metrics, log, listeners);
  let closing: Promise<void> | undefined;

  return {
    async send(batch: readonly FnsDocumentSubmission[]): Promise<FnsBatchResult> {
      if (batch.length === 0) return { documents: [] };
      if (batch.length > FNS_MAX_DOCUMENTS) throw new RangeError(`at most ${FNS_MAX_DOCUMENTS} documents per batch, got ${batch.length}`);
      if (closing) throw new FnsError(FnsErrorCodes.FNS_UNAVAILABLE, 'the FNS client is closed', { requestSent: false });
      const body = JSON.stringify({ documents: batch });
      return policy.run(
        () => undefined,
        (_, signal) => postBatch(pool, path, body, signal, options.metrics),
      );
    },
    circuitState: () => policy.circuitState(),
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
