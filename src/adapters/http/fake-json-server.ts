/**
 * The server loop of the small JSON fakes (fake-sms, fake-viber): listen, read a bounded body, answer JSON, check a
 * bearer token, turn a handler's throw into a 500, close with every connection. Each fake supplies only its routes.
 */
import { createServer } from 'node:http';
import { listenFake, readBody, reply, sendReply, type JsonReply, type ListeningFake } from './fake-server.js';

export { reply as answer } from './fake-server.js';

export type JsonAnswer = JsonReply;

export interface FakeRequest {
  readonly method: string;
  readonly url: URL;
  /** The body, read only when asked (bounded). */
  text(): Promise<string>;
  /** The body as JSON; undefined when it is not JSON. */
  json(): Promise<unknown>;
}

export type FakeHandler = (req: FakeRequest) => Promise<JsonAnswer> | JsonAnswer;

export interface FakeServerOptions {
  readonly port?: number;
  readonly host?: string;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly token?: string;
  readonly maxBodyBytes?: number;
}

export type FakeServer = ListeningFake;

export const fakeError = (status: number, code: string, message: string): JsonAnswer => reply(status, { error: { code, message } });

export function startFakeJsonServer(handler: FakeHandler, options: FakeServerOptions = {}): Promise<FakeServer> {
  const max = options.maxBodyBytes ?? 64 * 1024;
  const server = createServer((req, res) => {
    let body: Promise<string> | undefined;
    const text = () => (body ??= readBody(req, max, true));
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', 'http://x'),
      text,
      async json() {
        try {
          return JSON.parse((await text()) || 'null') as unknown;
        } catch {
          return undefined;
        }
      },
    };
    void (async () => {
      if (options.token && req.headers.authorization !== `Bearer ${options.token}`) return sendReply(res, fakeError(401, 'UNAUTHORIZED', 'bad token'));
      sendReply(res, await handler(request));
    })().catch((e: unknown) => {
      if (!res.headersSent) sendReply(res, fakeError(500, 'INTERNAL', (e as Error).message));
    });
  });
  // The URL names the host as given (an IPv6 one in brackets).
  return listenFake(server, options);
}
