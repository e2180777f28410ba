/**
 * `ofd fake-crpt`: a real HTTP server playing CRPT's True API as crpt-api.ts defines it.
 *
 * - Auth: GET the challenge (random uuid + data, single use, 5 min), POST it signed; the signature is VERIFIED
 *   (rsa-cms with node-forge over the issued challenge, gost2012-256 with node-gost-crypto and the sent public key);
 *   a good one gets a bearer token (expiresIn 10 h), a bad one 401. Every other API call needs a live token.
 * - Code checks, deterministic by code: a code containing `BLOCK` → BLOCKED, `SOLD` → RETIRED, `UNKNOWN` → UNKNOWN;
 *   otherwise the first byte of SHA-256(code) decides: % 20 = 0 → UNKNOWN, = 1 → RETIRED, else INTRODUCED (valid).
 *   A code sold through /sales is RETIRED from then on.
 * - Sales: validated (400 on a bad body), idempotent by saleId (a copy is answered with the first answer, duplicate:
 *   true) and remembered: GET /_sales lists them with how many times each arrived — what exactly-once tests read.
 * - Faults (POST /_faults, GET /_faults): latencyMs (every API call, the challenge included), errorRate + errorStatus,
 *   outageUntil/outageMs (every API call answered errorStatus, or the socket destroyed with outageMode 'reset').
 *   POST /_reset forgets sales, tokens and faults. GET /_stats counts requests.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { CodeCheckRequest, CRPT_PATHS, CrptSale, SignInRequest, type CrptCodeStatus, type SaleResponse } from './crpt-api.js';
import { gostVerifyRaw, verifyRsaCms } from './signer.js';

export interface FakeCrptOptions {
  readonly port?: number;
  readonly host?: string;
  readonly latencyMs?: number;
  readonly errorRate?: number;
  readonly errorStatus?: number;
  readonly outageMs?: number;
  readonly outageMode?: 'status' | 'reset';
  /** Token lifetime in seconds. Default 36 000. */
  readonly tokenTtlS?: number;
}

export const FaultsBody = z.object({
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  errorRate: z.number().min(0).max(1).optional(),
  errorStatus: z.number().int().min(400).max(599).optional(),
  outageMs: z.number().int().min(0).optional(),
  outageMode: z.enum(['status', 'reset']).optional(),
});
export type FakeCrptFaultsInput = z.infer<typeof FaultsBody>;

export interface FakeCrptFaults {
  latencyMs: number;
  errorRate: number;
  errorStatus: number;
  outageUntil: number;
  outageMode: 'status' | 'reset';
}

export interface ReceivedSale {
  readonly sale: CrptSale;
  readonly answer: SaleResponse;
  received: number;
}

export interface FakeCrptStats {
  requests: number;
  faulted: number;
  signIns: { ok: number; refused: number; byAlg: Record<string, number> };
  checks: number;
  sales: { received: number; unique: number; duplicates: number };
}

export interface FakeCrpt {
  readonly url: string;
  readonly port: number;
  setFaults(f: FakeCrptFaultsInput): void;
  faults(): FakeCrptFaults;
  sales(): ReadonlyMap<string, ReceivedSale>;
  stats(): FakeCrptStats;
  reset(): void;
  close(): Promise<void>;
}

const CHALLENGE_TTL_MS = 5 * 60_000;

export function codeStatus(code: string): CrptCodeStatus {
  if (code.includes('BLOCK')) return 'BLOCKED';
  if (code.includes('SOLD')) return 'RETIRED';
  if (code.includes('UNKNOWN')) return 'UNKNOWN';
  const b = createHash('sha256').update(code).digest()[0]! % 20;
  return b === 0 ? 'UNKNOWN' : b === 1 ? 'RETIRED' : 'INTRODUCED';
}

export async function startFakeCrpt(options: FakeCrptOptions = {}): Promise<FakeCrpt> {
  const tokenTtlS = options.tokenTtlS ?? 36_000;
  const initialFaults = (): FakeCrptFaults => ({
    latencyMs: options.latencyMs ?? 0,
    errorRate: options.errorRate ?? 0,
    errorStatus: options.errorStatus ?? 503,
    outageUntil: options.outageMs ? Date.now() + options.outageMs : 0,
    outageMode: options.outageMode ?? 'status',
  });
  let faults = initialFaults();
  const challenges = new Map<string, { data: string; until: number }>();
  const tokens = new Map<string, number>();
  const sold = new Set<string>();
  const sales = new Map<string, ReceivedSale>();
  const emptyStats = (): FakeCrptStats => ({
    requests: 0,
    faulted: 0,
    signIns: { ok: 0, refused: 0, byAlg: {} },
    checks: 0,
    sales: { received: 0, unique: 0, duplicates: 0 },
  });
  let stats = emptyStats();
  const sockets = new Set<import('node:net').Socket>();

  const send = (res: http.ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const error = (res: http.ServerResponse, status: number, code: string, message: string) => send(res, status, { code, message });

  async function readBody(req: http.IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > 4 * 1024 * 1024) throw new Error('body too large');
      chunks.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  }

  function authorised(req: http.IncomingMessage): boolean {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const until = m?.[1] ? tokens.get(m[1]) : undefined;
    return until !== undefined && until > Date.now();
  }

  function signIn(body: unknown, res: http.ServerResponse): void {
    const parsed = SignInRequest.safeParse(body);
    if (!parsed.success) return error(res, 400, 'BAD_REQUEST', 'not a sign-in request');
    const { uuid, data, alg, cert } = parsed.data;
    const challenge = challenges.get(uuid);
    challenges.delete(uuid);
    const refuse = (why: string) => {
      stats.signIns.refused += 1;
      error(res, 401, 'AUTH_FAILED', why);
    };
    if (!challenge || challenge.until < Date.now()) return refuse('unknown or expired challenge');
    const challengeBytes = Buffer.from(challenge.data, 'utf8');
    let ok: boolean;
    if (alg === 'rsa-cms') {
      ok = verifyRsaCms(data, challengeBytes).ok;
    } else {
      const publicKey = cert && /^[0-9a-f]{128}$/i.test(cert) ? Buffer.from(cert, 'hex') : undefined;
      ok = publicKey !== undefined && gostVerifyRaw(publicKey, Buffer.from(data, 'base64'), challengeBytes);
    }
    if (!ok) return refuse('the signature does not verify');
    stats.signIns.ok += 1;
    stats.signIns.byAlg[alg] = (stats.signIns.byAlg[alg] ?? 0) + 1;
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, Date.now() + tokenTtlS * 1000);
    send(res, 200, { token, expiresIn: tokenTtlS });
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    if (req.method === 'GET' && path === CRPT_PATHS.authKey) {
      const uuid = randomUUID();
      const data = randomBytes(24).toString('base64url');
      challenges.set(uuid, { data, until: Date.now() + CHALLENGE_TTL_MS });
      return send(res, 200, { uuid, data });
    }
    if (req.method !== 'POST') return error(res, 405, 'METHOD', 'method not allowed');
    const body = await readBody(req);
    if (path === CRPT_PATHS.signIn) return signIn(body, res);
    if (path !== CRPT_PATHS.check && path !== CRPT_PATHS.sales) return error(res, 404, 'NOT_FOUND', `no ${path}`);
    if (!authorised(req)) return error(res, 401, 'UNAUTHORIZED', 'missing or expired token');
    if (path === CRPT_PATHS.check) {
      const parsed = CodeCheckRequest.safeParse(body);
      if (!parsed.success) return error(res, 400, 'BAD_REQUEST', 'not a code check request');
      stats.checks += 1;
      return send(res, 200, {
        codes: parsed.data.codes.map((cis) => {
          const status = sold.has(cis) ? 'RETIRED' : codeStatus(cis);
          return { cis, status, valid: status === 'INTRODUCED' };
        }),
      });
    }
    const parsed = CrptSale.safeParse(body);
    if (!parsed.success) return error(res, 400, 'BAD_REQUEST', `not a sale: ${parsed.error.issues[0]?.message ?? ''}`);
    const sale = parsed.data;
    stats.sales.received += 1;
    const known = sales.get(sale.saleId);
    if (known) {
      known.received += 1;
      stats.sales.duplicates += 1;
      return send(res, 200, { ...known.answer, duplicate: true });
    }
    const answer: SaleResponse = {
      saleId: sale.saleId,
      duplicate: false,
      codes: sale.codes.map((c) => {
        const before = sold.has(c.cis) ? 'RETIRED' : codeStatus(c.cis);
        sold.add(c.cis);
        // A code in circulation is withdrawn by the sale; any other keeps its (problem) status.
        return { cis: c.cis, status: before === 'INTRODUCED' ? 'RETIRED' : before };
      }),
    };
    sales.set(sale.saleId, { sale, answer, received: 1 });
    stats.sales.unique += 1;
    return send(res, 200, answer);
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake-crpt');
      const path = url.pathname;
      try {
        if (path.startsWith('/_')) {
          if (path === '/_faults' && req.method === 'GET') return send(res, 200, faults);
          if (path === '/_faults' && req.method === 'POST') {
            const parsed = FaultsBody.safeParse(await readBody(req));
            if (!parsed.success) return error(res, 400, 'BAD_REQUEST', 'bad faults');
            setFaults(parsed.data);
            return send(res, 200, faults);
          }
          if (path === '/_reset' && req.method === 'POST') {
            reset();
            return send(res, 200, { ok: true });
          }
          if (path === '/_stats') return send(res, 200, stats);
          if (path === '/_sales') return send(res, 200, { sales: [...sales.values()] });
          return error(res, 404, 'NOT_FOUND', path);
        }
        stats.requests += 1;
        if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
        if (faults.outageUntil > Date.now()) {
          stats.faulted += 1;
          if (faults.outageMode === 'reset') {
            req.socket.destroy();
            return;
          }
          return error(res, faults.errorStatus, 'OUTAGE', 'injected outage');
        }
        if (faults.errorRate > 0 && Math.random() < faults.errorRate) {
          stats.faulted += 1;
          return error(res, faults.errorStatus, 'INJECTED', 'injected error');
        }
        await api(req, res, path);
      } catch (e) {
        if (!res.headersSent) error(res, 500, 'INTERNAL', (e as Error).message);
        else res.destroy();
      }
    })();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';

  function setFaults(f: FakeCrptFaultsInput): void {
    faults = {
      latencyMs: f.latencyMs ?? faults.latencyMs,
      errorRate: f.errorRate ?? faults.errorRate,
      errorStatus: f.errorStatus ?? faults.errorStatus,
      outageUntil: f.outageMs === undefined ? faults.outageUntil : f.outageMs === 0 ? 0 : Date.now() + f.outageMs,
      outageMode: f.outageMode ?? faults.outageMode,
    };
  }
  function reset(): void {
    faults = { latencyMs: 0, errorRate: 0, errorStatus: 503, outageUntil: 0, outageMode: 'status' };
    challenges.clear();
    tokens.clear();
    sold.clear();
    sales.clear();
    stats = emptyStats();
  }

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    setFaults,
    faults: () => faults,
    sales: () => sales,
    stats: () => stats,
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
