/**
 * The server loop of the small JSON fakes (fake-sms, fake-viber): listen, read a bounded body, answer JSON, check a
 * bearer token, turn a handler's throw into a 500, close with every connection. Each fake supplies only its routes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface JsonAnswer {
  readonly status: number;
  readonly body: unknown;
}

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

export interface FakeServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export const answer = (status: number, body: unknown): JsonAnswer => ({ status, body });
export const fakeError = (status: number, code: string, message: string): JsonAnswer => answer(status, { error: { code, message } });

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
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

function send(res: ServerResponse, a: JsonAnswer): void {
  res.writeHead(a.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(a.body));
}

export async function startFakeJsonServer(handler: FakeHandler, options: FakeServerOptions = {}): Promise<FakeServer> {
  const max = options.maxBodyBytes ?? 64 * 1024;
  const server = createServer((req, res) => {
    let body: Promise<string> | undefined;
    const text = () => (body ??= readBody(req, max));
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
      if (options.token && req.headers.authorization !== `Bearer ${options.token}`) return send(res, fakeError(401, 'UNAUTHORIZED', 'bad token'));
      send(res, await handler(request));
    })().catch((e: unknown) => {
      if (!res.headersSent) send(res, fakeError(500, 'INTERNAL', (e as Error).message));
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
