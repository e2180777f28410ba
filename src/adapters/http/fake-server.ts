/**
 * The toolkit of the fake servers (`ofd fake-fns`, fake-crpt, fake-fns-kkt, fake-pay, fake-sms, fake-viber): reading a
 * bounded body, answering JSON, a bearer token, a route table, listening and closing with every connection, and the
 * fault switches (latency, error rate, outage) that the FNS and CRPT fakes share. Each fake keeps only its own rules.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

// ---- bodies ----------------------------------------------------------------------------------------------------------

/** A request the fake refuses before its handler runs: 413 (too large) or 400 (not JSON). */
export class FakeRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The body as text; over `max` bytes it rejects with a 413 FakeRequestError (`destroy`: and drops the connection, so
 * nothing more is read or answered).
 */
export function readBody(req: http.IncomingMessage, max: number, destroy = false): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new FakeRequestError(413, 'body too large'));
        if (destroy) req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The whole body is read even past `max` (so the answer can be a 413); only the first `max` bytes are kept. */
export function collectBody(req: http.IncomingMessage, max: number): Promise<{ readonly text: string; readonly tooLarge: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) tooLarge = true;
      else chunks.push(c);
    });
    req.on('error', () => undefined);
    req.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge }));
  });
}

/** The body as JSON, or a 400 FakeRequestError when it is not JSON. */
export async function readJsonBody(req: http.IncomingMessage, max: number): Promise<unknown> {
  const text = await readBody(req, max);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FakeRequestError(400, 'body is not JSON');
  }
}

// ---- answers ---------------------------------------------------------------------------------------------------------

/** A JSON answer a handler decides on; the server writes it. */
export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export const reply = (status: number, body: unknown, headers?: Readonly<Record<string, string>>): JsonReply => (headers ? { status, body, headers } : { status, body });

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export const sendReply = (res: http.ServerResponse, r: JsonReply): void => sendJson(res, r.status, r.body, r.headers);

/** `{ code, message }`, the error body of the FNS, CRPT and payment fakes. */
export function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { code, message });
}

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(req: http.IncomingMessage): string | undefined {
  return /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
}

// ---- routes ----------------------------------------------------------------------------------------------------------

export interface Route<A extends unknown[]> {
  readonly method: string | undefined;
  /** The whole path, or a pattern whose groups go to the handler. */
  readonly path: string | RegExp;
  readonly handle: (params: readonly string[], ...args: A) => unknown;
}

/** A route: `method` undefined matches any method. */
export function route<A extends unknown[]>(method: string | undefined, path: string | RegExp, handle: (params: readonly string[], ...args: A) => unknown): Route<A> {
  return { method, path, handle };
}

/** Runs the first route that matches; false when none does. */
export function dispatch<A extends unknown[]>(routes: readonly Route<A>[], method: string | undefined, pathname: string, ...args: A): { readonly matched: boolean; readonly result?: unknown } {
  for (const r of routes) {
    if (r.method !== undefined && r.method !== method) continue;
    if (typeof r.path === 'string') {
      if (r.path === pathname) return { matched: true, result: r.handle([], ...args) };
      continue;
    }
    const m = r.path.exec(pathname);
    if (m) return { matched: true, result: r.handle(m.slice(1).map((g) => g ?? ''), ...args) };
  }
  return { matched: false };
}

// ---- listening -------------------------------------------------------------------------------------------------------

export interface ListeningFake {
  readonly url: string;
  readonly port: number;
  /** Closes every connection and the server; idempotent. */
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0: any free one); the URL names `urlHost` (default: the host, IPv6 in brackets). */
export async function listenFake(server: http.Server, o: { port?: number; host?: string; urlHost?: string }): Promise<ListeningFake> {
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = o.urlHost ?? host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`,
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })),
  };
}

// ---- faults ----------------------------------------------------------------------------------------------------------

/** The fault switches the FNS and CRPT fakes share, as `POST /_faults` takes them. */
export const FAULT_FIELDS = {
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  errorRate: z.number().min(0).max(1).optional(),
  errorStatus: z.number().int().min(400).max(599).optional(),
  outageMs: z.number().int().min(0).optional(),
  outageMode: z.enum(['status', 'reset']).optional(),
};

export type OutageMode = 'status' | 'reset';

/** Where a fault-injecting fake listens and the faults it starts with (`outageMs`: an outage that long from the start). */
export interface FaultFakeOptions {
  readonly port?: number;
  readonly host?: string;
  readonly latencyMs?: number;
  readonly errorRate?: number;
  readonly errorStatus?: number;
  readonly outageMs?: number;
  readonly outageMode?: OutageMode;
}

export interface FaultSwitches {
  latencyMs: number;
  errorRate: number;
  errorStatus: number;
  /** Epoch ms the outage ends; 0 when none. */
  outageUntil: number;
  outageMode: OutageMode;
}

export const noFaultSwitches = (): FaultSwitches => ({ latencyMs: 0, errorRate: 0, errorStatus: 503, outageUntil: 0, outageMode: 'status' });

/** The switches with what `input` sets; `outageMs` starts an outage that long from now (0 ends it). */
export function switchFaults(f: FaultSwitches, input: { latencyMs?: number | undefined; errorRate?: number | undefined; errorStatus?: number | undefined; outageMs?: number | undefined; outageMode?: OutageMode | undefined }): FaultSwitches {
  return {
    latencyMs: input.latencyMs ?? f.latencyMs,
    errorRate: input.errorRate ?? f.errorRate,
    errorStatus: input.errorStatus ?? f.errorStatus,
    outageUntil: input.outageMs === undefined ? f.outageUntil : input.outageMs > 0 ? Date.now() + input.outageMs : 0,
    outageMode: input.outageMode ?? f.outageMode,
  };
}

export const inOutage = (f: FaultSwitches): boolean => f.outageUntil > Date.now();

/** True when this request draws an injected error (`random` in [0, 1)). */
export const drawsError = (f: FaultSwitches, random: () => number): boolean => f.errorRate > 0 && random() < f.errorRate;
