/** The HTTP adapter of the Viber port (contract in viber-sender.ts): an undici keep-alive pool with timeouts. */
import { Pool } from 'undici';
import { ViberError, ViberErrorCodes, type ViberSender, type ViberStatus } from './viber-sender.js';

export interface HttpViberSenderOptions {
  /** VIBER_URL: the provider's base URL. */
  readonly url: string;
  readonly token?: string;
  /** The sender name registered with the provider. Default `OFD`. */
  readonly sender?: string;
  /** Header and body timeouts, ms. Default 10 000. */
  readonly timeoutMs?: number;
}

const STATUSES: ReadonlySet<string> = new Set<ViberStatus>(['accepted', 'delivered', 'seen', 'undelivered', 'expired']);

export function createHttpViberSender(options: HttpViberSenderOptions): ViberSender {
  const base = new URL(options.url);
  const root = `${base.pathname.replace(/\/+$/, '')}/v1/viber/messages`;
  const timeout = options.timeoutMs ?? 10_000;
  const pool = new Pool(base.origin, { connections: 16, headersTimeout: timeout, bodyTimeout: timeout });
  const auth = options.token ? { authorization: `Bearer ${options.token}` } : {};

  async function call(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<{ statusCode: number; text: string }> {
    try {
      const res = await pool.request({
        method,
        path,
        headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeout),
      });
      return { statusCode: res.statusCode, text: await res.body.text() };
    } catch (e) {
      throw new ViberError(ViberErrorCodes.VIBER_UNAVAILABLE, `Viber provider: ${(e as Error).message}`, true, undefined, { cause: e });
    }
  }

  function failure(statusCode: number, text: string): ViberError {
    const retryable = statusCode === 429 || statusCode >= 500 || statusCode === 408;
    return new ViberError(
      retryable ? ViberErrorCodes.VIBER_UNAVAILABLE : ViberErrorCodes.VIBER_REJECTED,
      `Viber provider answered ${statusCode}: ${text.slice(0, 300)}`,
      retryable,
      statusCode,
    );
  }

  return {
    async send(message) {
      const { statusCode, text } = await call(
        'POST',
        root,
        { id: message.id, to: message.to, sender: options.sender ?? 'OFD', text: message.text, ttlSeconds: message.ttlSeconds, ...(message.button ? { button: message.button } : {}) },
        message.id,
      );
      if (statusCode < 200 || statusCode >= 300) throw failure(statusCode, text);
      try {
        const body = JSON.parse(text) as { providerId?: unknown };
        return { providerId: typeof body.providerId === 'string' ? body.providerId : message.id };
      } catch {
        return { providerId: message.id };
      }
    },
    async status(id) {
      const { statusCode, text } = await call('GET', `${root}/${encodeURIComponent(id)}`);
      if (statusCode !== 200) throw failure(statusCode, text);
      let body: { status?: unknown; reason?: unknown };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        throw new ViberError(ViberErrorCodes.VIBER_UNAVAILABLE, 'Viber provider: a status answer that is not JSON', true, statusCode);
      }
      if (typeof body.status !== 'string' || !STATUSES.has(body.status)) {
        throw new ViberError(ViberErrorCodes.VIBER_UNAVAILABLE, `Viber provider: unknown status ${JSON.stringify(body.status)}`, true, statusCode);
      }
      return { status: body.status as ViberStatus, ...(typeof body.reason === 'string' ? { reason: body.reason } : {}) };
    },
    async close() {
      await pool.close();
    },
  };
}
