/**
 * The HTTP call of the notification and payment providers (SMS, Viber, card payments): a keep-alive pool with header and
 * body timeouts, one attempt aborted after `timeoutMs`, no retries of its own (the queue retries). A failure before an
 * answer becomes the adapter's "unavailable" error; an answer is classified by its status (answerFailure).
 */
import { Pool } from 'undici';

export interface ProviderAnswer {
  readonly statusCode: number;
  readonly text: string;
}

export interface ProviderRequest {
  readonly method: 'GET' | 'POST';
  /** Below the base URL's path. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON (with its content-type) when present. */
  readonly json?: unknown;
}

export interface ProviderClient {
  /** The answer, or the adapter's error for a failure before it (`unavailable(e)`). */
  request(req: ProviderRequest): Promise<ProviderAnswer>;
  close(): Promise<void>;
}

export interface ProviderClientOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly connections: number;
  readonly unavailable: (cause: unknown) => Error;
}

export function createProviderClient(o: ProviderClientOptions): ProviderClient {
  const base = new URL(o.url);
  const prefix = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, { connections: o.connections, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs });
  return {
    async request(req) {
      try {
        const res = await pool.request({
          method: req.method,
          path: `${prefix}${req.path}`,
          headers: { ...(req.json === undefined ? {} : { 'content-type': 'application/json' }), ...req.headers },
          ...(req.json === undefined ? {} : { body: JSON.stringify(req.json) }),
          signal: AbortSignal.timeout(o.timeoutMs),
        });
        return { statusCode: res.statusCode, text: await res.body.text() };
      } catch (e) {
        throw o.unavailable(e);
      }
    },
    async close() {
      await pool.close();
    },
  };
}

/** `Authorization: Bearer …` when there is a token. */
export const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/** A non-2xx answer: 408, 429 and 5xx may succeed later; the message quotes the start of the answer. */
export function answerFailure(who: string, a: ProviderAnswer): { readonly retryable: boolean; readonly message: string } {
  const retryable = a.statusCode === 429 || a.statusCode >= 500 || a.statusCode === 408;
  return { retryable, message: `${who} answered ${a.statusCode}: ${a.text.slice(0, 300)}` };
}

/** The string field `key` of a JSON answer, or `fallback` when the answer is not JSON or has no such string. */
export function answerString(text: string, key: string, fallback: string): string {
  try {
    const value = (JSON.parse(text) as Record<string, unknown> | null)?.[key];
    return typeof value === 'string' ? value : fallback;
  } catch {
    return fallback;
  }
}
