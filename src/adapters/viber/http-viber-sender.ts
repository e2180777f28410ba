/** The HTTP adapter of the Viber port (contract in viber-sender.ts): an undici keep-alive pool with timeouts. */
import { answerFailure, answerString, bearer, createProviderClient, type ProviderAnswer } from '../http/provider-client.js';
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

const MESSAGES = '/v1/viber/messages';
const STATUSES: ReadonlySet<string> = new Set<ViberStatus>(['accepted', 'delivered', 'seen', 'undelivered', 'expired']);

function failure(answer: ProviderAnswer): ViberError {
  const { retryable, message } = answerFailure('Viber provider', answer);
  return new ViberError(retryable ? ViberErrorCodes.VIBER_UNAVAILABLE : ViberErrorCodes.VIBER_REJECTED, message, retryable, answer.statusCode);
}

/** A status answer → the status it carries; a body that is not JSON or names no known status may be better later. */
function readStatus({ statusCode, text }: ProviderAnswer): { status: ViberStatus; reason?: string } {
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
}

export function createHttpViberSender(options: HttpViberSenderOptions): ViberSender {
  const client = createProviderClient({
    url: options.url,
    timeoutMs: options.timeoutMs ?? 10_000,
    connections: 16,
    unavailable: (e) => new ViberError(ViberErrorCodes.VIBER_UNAVAILABLE, `Viber provider: ${(e as Error).message}`, true, undefined, { cause: e }),
  });
  const auth = bearer(options.token);

  return {
    async send(message) {
      const answer = await client.request({
        method: 'POST',
        path: MESSAGES,
        headers: { ...auth, 'idempotency-key': message.id },
        json: { id: message.id, to: message.to, sender: options.sender ?? 'OFD', text: message.text, ttlSeconds: message.ttlSeconds, ...(message.button ? { button: message.button } : {}) },
      });
      if (answer.statusCode < 200 || answer.statusCode >= 300) throw failure(answer);
      return { providerId: answerString(answer.text, 'providerId', message.id) };
    },
    async status(id) {
      const answer = await client.request({ method: 'GET', path: `${MESSAGES}/${encodeURIComponent(id)}`, headers: auth });
      if (answer.statusCode !== 200) throw failure(answer);
      return readStatus(answer);
    },
    close: () => client.close(),
  };
}
