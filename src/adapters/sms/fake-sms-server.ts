/**
 * A runnable fake of the SMS gateway (contract in sms-sender.ts), for tests and local runs (`ofd fake-sms --port N`).
 * Keeps what it accepted; `GET /v1/messages` lists them; `POST /_faults` `{ "failNext": N, "status": 503 }` makes the next N
 * sends fail with that status.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
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

const MAX_BODY = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startFakeSms(options: FakeSmsOptions = {}): Promise<FakeSms> {
  const messages: FakeSmsMessage[] = [];
  const byId = new Map<string, FakeSmsMessage>();
  let failures = 0;
  let failStatus = 503;
  let counter = 0;

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (options.token && req.headers.authorization !== `Bearer ${options.token}`) return send(res, 401, { error: { code: 'UNAUTHORIZED', message: 'bad token' } });
      if (req.method === 'GET' && url.pathname === '/v1/messages') return send(res, 200, { items: messages });
      if (req.method === 'POST' && url.pathname === '/_faults') {
        const body = JSON.parse((await readBody(req)) || '{}') as { failNext?: number; status?: number };
        failures = body.failNext ?? 0;
        failStatus = body.status ?? 503;
        return send(res, 200, { failNext: failures, status: failStatus });
      }
      if (req.method !== 'POST' || url.pathname !== '/v1/messages') return send(res, 404, { error: { code: 'NOT_FOUND', message: 'no such endpoint' } });
      let body: { id?: unknown; to?: unknown; text?: unknown; sender?: unknown };
      try {
        body = JSON.parse(await readBody(req)) as typeof body;
      } catch {
        return send(res, 400, { error: { code: 'BAD_REQUEST', message: 'body is not JSON' } });
      }
      if (failures > 0) {
        failures -= 1;
        return send(res, failStatus, { error: { code: 'UNAVAILABLE', message: 'injected failure' } });
      }
      if (typeof body.id !== 'string' || body.id === '' || typeof body.text !== 'string' || body.text === '' || typeof body.to !== 'string') {
        return send(res, 400, { error: { code: 'BAD_REQUEST', message: 'id, to and text are required' } });
      }
      if (normalizePhone(body.to) !== body.to) return send(res, 400, { error: { code: 'INVALID_PHONE', message: `not an E.164 number: ${body.to}` } });
      const seen = byId.get(body.id);
      if (seen) return send(res, 202, { id: seen.id, gatewayId: seen.gatewayId, status: 'accepted' });
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
      return send(res, 202, { id: message.id, gatewayId: message.gatewayId, status: 'accepted' });
    })().catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { code: 'INTERNAL', message: (e as Error).message } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
