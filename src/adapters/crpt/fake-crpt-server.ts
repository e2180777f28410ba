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
import { createHash } from 'node:crypto';
import http from 'node:http';
import { z } from 'zod';
import { parseJsonOrUndefined } from '../http/transport.js';
import {
  dispatch,
  drawsError,
  FAULT_FIELDS,
  inOutage,
  listenFake,
  noFaultSwitches,
  readBody,
  reply,
  route,
  sendError,
  sendJson,
  sendReply,
  switchFaults,
  type FaultFakeOptions,
  type FaultSwitches,
  type JsonReply,
} from '../http/fake-server.js';
import { CodeCheckRequest, CRPT_PATHS, CrptSale, type CrptCodeStatus, type SaleResponse } from './crpt-api.js';
import { createFakeCrptAuth, type SignInCounts } from './fake-crpt-auth.js';

export interface FakeCrptOptions extends FaultFakeOptions {
  /** Token lifetime in seconds. Default 36 000. */
  readonly tokenTtlS?: number;
}

export const FaultsBody = z.object(FAULT_FIELDS);
export type FakeCrptFaultsInput = z.infer<typeof FaultsBody>;

export type FakeCrptFaults = FaultSwitches;

export interface ReceivedSale {
  readonly sale: CrptSale;
  readonly answer: SaleResponse;
  received: number;
}

export interface FakeCrptStats {
  requests: number;
  faulted: number;
  signIns: SignInCounts;
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

const MAX_BODY = 4 * 1024 * 1024;

export function codeStatus(code: string): CrptCodeStatus {
  if (code.includes('BLOCK')) return 'BLOCKED';
  if (code.includes('SOLD')) return 'RETIRED';
  if (code.includes('UNKNOWN')) return 'UNKNOWN';
  const b = createHash('sha256').update(code).digest()[0]! % 20;
  return b === 0 ? 'UNKNOWN' : b === 1 ? 'RETIRED' : 'INTRODUCED';
}

const emptyStats = (): FakeCrptStats => ({
  requests: 0,
  faulted: 0,
  signIns: { ok: 0, refused: 0, byAlg: {} },
  checks: 0,
  sales: { received: 0, unique: 0, duplicates: 0 },
});

/** The fake's state: what the routes read and change. */
interface CrptFake {
  readonly auth: ReturnType<typeof createFakeCrptAuth>;
  faults: FaultSwitches;
  stats: FakeCrptStats;
  readonly sold: Set<string>;
  readonly sales: Map<string, ReceivedSale>;
  reset(): void;
}

function checkCodes(fake: CrptFake, body: unknown): JsonReply {
  const parsed = CodeCheckRequest.safeParse(body);
  if (!parsed.success) return reply(400, { code: 'BAD_REQUEST', message: 'not a code check request' });
  fake.stats.checks += 1;
  return reply(200, {
    codes: parsed.data.codes.map((cis) => {
      const status = fake.sold.has(cis) ? 'RETIRED' : codeStatus(cis);
      return { cis, status, valid: status === 'INTRODUCED' };
    }),
  });
}

/** A sale, idempotent by saleId: a copy gets the first answer with duplicate: true. */
function submitSale(fake: CrptFake, body: unknown): JsonReply {
  const parsed = CrptSale.safeParse(body);
  if (!parsed.success) return reply(400, { code: 'BAD_REQUEST', message: `not a sale: ${parsed.error.issues[0]?.message ?? ''}` });
  const sale = parsed.data;
  fake.stats.sales.received += 1;
  const known = fake.sales.get(sale.saleId);
  if (known) {
    known.received += 1;
    fake.stats.sales.duplicates += 1;
    return reply(200, { ...known.answer, duplicate: true });
  }
  const answer: SaleResponse = {
    saleId: sale.saleId,
    duplicate: false,
    codes: sale.codes.map((c) => {
      const before = fake.sold.has(c.cis) ? 'RETIRED' : codeStatus(c.cis);
      fake.sold.add(c.cis);
      // A code in circulation is withdrawn by the sale; any other keeps its (problem) status.
      return { cis: c.cis, status: before === 'INTRODUCED' ? 'RETIRED' : before };
    }),
  };
  fake.sales.set(sale.saleId, { sale, answer, received: 1 });
  fake.stats.sales.unique += 1;
  return reply(200, answer);
}

/** The True API behind the faults: the challenge, the sign-in, and (with a live token) code checks and sales. */
async function api(fake: CrptFake, req: http.IncomingMessage, path: string): Promise<JsonReply> {
  if (req.method === 'GET' && path === CRPT_PATHS.authKey) return fake.auth.challenge();
  if (req.method !== 'POST') return reply(405, { code: 'METHOD', message: 'method not allowed' });
  const body = parseJsonOrUndefined(await readBody(req, MAX_BODY));
  if (path === CRPT_PATHS.signIn) return fake.auth.signIn(body, fake.stats.signIns);
  if (path !== CRPT_PATHS.check && path !== CRPT_PATHS.sales) return reply(404, { code: 'NOT_FOUND', message: `no ${path}` });
  if (!fake.auth.authorised(req)) return reply(401, { code: 'UNAUTHORIZED', message: 'missing or expired token' });
  return path === CRPT_PATHS.check ? checkCodes(fake, body) : submitSale(fake, body);
}

/** An API request: counted, delayed, then refused by an outage or an injected error, or answered. */
async function apiRequest(fake: CrptFake, req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
  fake.stats.requests += 1;
  const f = fake.faults;
  if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
  if (inOutage(fake.faults)) {
    fake.stats.faulted += 1;
    if (fake.faults.outageMode === 'reset') {
      req.socket.destroy();
      return;
    }
    return sendError(res, fake.faults.errorStatus, 'OUTAGE', 'injected outage');
  }
  if (drawsError(fake.faults, Math.random)) {
    fake.stats.faulted += 1;
    return sendError(res, fake.faults.errorStatus, 'INJECTED', 'injected error');
  }
  sendReply(res, await api(fake, req, path));
}

type CrptRouteArgs = [fake: CrptFake, req: http.IncomingMessage, res: http.ServerResponse];

const CONTROL_ROUTES = [
  route<CrptRouteArgs>('GET', '/_faults', (_, fake, __, res) => sendJson(res, 200, fake.faults)),
  route<CrptRouteArgs>('POST', '/_faults', async (_, fake, req, res) => {
    const parsed = FaultsBody.safeParse(parseJsonOrUndefined(await readBody(req, MAX_BODY)));
    if (!parsed.success) return sendError(res, 400, 'BAD_REQUEST', 'bad faults');
    fake.faults = switchFaults(fake.faults, parsed.data);
    return sendJson(res, 200, fake.faults);
  }),
  route<CrptRouteArgs>('POST', '/_reset', (_, fake, __, res) => {
    fake.reset();
    return sendJson(res, 200, { ok: true });
  }),
  route<CrptRouteArgs>(undefined, '/_stats', (_, fake, __, res) => sendJson(res, 200, fake.stats)),
  route<CrptRouteArgs>(undefined, '/_sales', (_, fake, __, res) => sendJson(res, 200, { sales: [...fake.sales.values()] })),
];

async function handle(fake: CrptFake, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://fake-crpt').pathname;
  if (!path.startsWith('/_')) return apiRequest(fake, req, res, path);
  const { matched, result } = dispatch(CONTROL_ROUTES, req.method, path, fake, req, res);
  if (!matched) return sendError(res, 404, 'NOT_FOUND', path);
  await result;
}

function createCrptFake(options: FakeCrptOptions): CrptFake {
  const fake: CrptFake = {
    auth: createFakeCrptAuth(options.tokenTtlS ?? 36_000),
    faults: switchFaults(noFaultSwitches(), options),
    stats: emptyStats(),
    sold: new Set(),
    sales: new Map(),
    reset() {
      fake.faults = noFaultSwitches();
      fake.auth.clear();
      fake.sold.clear();
      fake.sales.clear();
      fake.stats = emptyStats();
    },
  };
  return fake;
}

export async function startFakeCrpt(options: FakeCrptOptions = {}): Promise<FakeCrpt> {
  const fake = createCrptFake(options);
  const server = http.createServer((req, res) => {
    handle(fake, req, res).catch((e: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', (e as Error).message);
      else res.destroy();
    });
  });
  const urlHost = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  const listening = await listenFake(server, { ...options, urlHost });
  return {
    url: listening.url,
    port: listening.port,
    setFaults: (f) => {
      fake.faults = switchFaults(fake.faults, f);
    },
    faults: () => fake.faults,
    sales: () => fake.sales,
    stats: () => fake.stats,
    reset: () => fake.reset(),
    close: () => listening.close(),
  };
}
