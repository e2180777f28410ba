/**
 * A runnable fake of the SMS gateway (contract in sms-sender.ts), for tests and local runs (`ofd fake-sms --port N`).
 * Keeps what it accepted; `GET /v1/messages` lists them; `POST /_faults` `{ "failNext": N, "status": 503 }` makes the next N
 * sends fail with that status.
 */
import { answer, fakeError, startFakeJsonServer } from '../http/fake-json-server.js';
import { normalizePhone } from './sms-sender.js';

export interface FakeSmsMessage {
  readonly id: string;
  readonly gatewayId: string;
  readonly to: string;
  readonly text: string;
  readonly sender: string | undefined;
  readonly at: string;
}

export interface FakeSms {
  readonly url: string;
  readonly port: number;
  readonly messages: FakeSmsMessage[];
  /** The next `count` sends answer `status` (default 503). */
  failNext(count: number, status?: number): void;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeSmsOptions {
  readonly port?: number;
  readonly host?: string;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  readonly token?: string;
}

export async function startFakeSms(options: FakeSmsOptions = {}): Promise<FakeSms> {
  const messages: FakeSmsMessage[] = [];
  const byId = new Map<string, FakeSmsMessage>();
  let failures = 0;
  let failStatus = 503;
  let counter = 0;

  const server = await startFakeJsonServer(
    async (req) => {
      const { pathname } = req.url;
      if (req.method === 'GET' && pathname === '/v1/messages') return answer(200, { items: messages });
      if (req.method === 'POST' && pathname === '/_faults') {
        const body = ((await req.json()) ?? {}) as { failNext?: number; status?: number };
        failures = body.failNext ?? 0;
        failStatus = body.status ?? 503;
        return answer(200, { failNext: failures, status: failStatus });
      }
      if (req.method !== 'POST' || pathname !== '/v1/messages') return fakeError(404, 'NOT_FOUND', 'no such endpoint');
      const body = (await req.json()) as { id?: unknown; to?: unknown; text?: unknown; sender?: unknown } | null | undefined;
      if (body === undefined || body === null || typeof body !== 'object') return fakeError(400, 'BAD_REQUEST', 'body is not JSON');
      if (failures > 0) {
        failures -= 1;
        return fakeError(failStatus, 'UNAVAILABLE', 'injected failure');
      }
      if (typeof body.id !== 'string' || body.id === '' || typeof body.text !== 'string' || body.text === '' || typeof body.to !== 'string') {
        return fakeError(400, 'BAD_REQUEST', 'id, to and text are required');
      }
      if (normalizePhone(body.to) !== body.to) return fakeError(400, 'INVALID_PHONE', `not an E.164 number: ${body.to}`);
      const seen = byId.get(body.id);
      if (seen) return answer(202, { id: seen.id, gatewayId: seen.gatewayId, status: 'accepted' });
      const message: FakeSmsMessage = {
        id: body.id,
        gatewayId: `fake-${++counter}`,
        to: body.to,
        text: body.text,
        sender: typeof body.sender === 'string' ? body.sender : undefined,
        at: new Date().toISOString(),
      };
      messages.push(message);
      byId.set(message.id, message);
      return answer(202, { id: message.id, gatewayId: message.gatewayId, status: 'accepted' });
    },
    options,
  );
  return {
    url: server.url,
    port: server.port,
    messages,
    failNext(count, status = 503) {
      failures = count;
      failStatus = status;
    },
    reset() {
      messages.length = 0;
      byId.clear();
      failures = 0;
    },
    close: () => server.close(),
  };
}
