/**
 * `ofd fake-fns`: a real HTTP server playing the FNS side of fns-api.ts, for local runs, compose and tests.
 *
 * - Validates what it receives: the request schema (400 BAD_REQUEST), every document's rawData against its fn / fd /
 *   document (400 BAD_DOCUMENT, rules in fake-fns-rules.ts).
 * - Answers per document by the deterministic rules of fake-fns-rules.ts (rejected / quarantine / warnings / accepted).
 * - Is idempotent by (fn, fd) like the FNS: a document it has answered gets the same answer again with duplicate: true.
 * - Remembers what it received: how many times each (fn, fd) arrived (GET /_stats) and the first copy
 *   (GET /_documents/<fn>/<fd>), so tests can assert "exactly once" and the exact JSON and rawData.
 * - Injects faults (POST /_faults), applied to API requests in this order:
 *     outage      { outageMs, outageMode: "status" | "reset" }  every request answered 503, or its connection reset,
 *                 for outageMs from now (0 ends it). Nothing is processed.
 *     rateLimit   { requests, retryAfterS }  the next `requests` requests get 429 with Retry-After. Nothing processed.
 *     errorRate   { errorRate: 0…1, errorStatus }  that share of requests (seeded PRNG: reproducible) gets errorStatus
 *                 (default 503). Nothing processed.
 *     failDocuments [{ fn, fd, status? }]  a request holding one of them is refused with status (default 400)
 *                 BAD_DOCUMENT naming it. Nothing processed.
 *     latencyMs   every API answer is delayed this long AFTER processing — a client that times out meanwhile leaves
 *                 the documents processed: the at-least-once window, which the (fn, fd) idempotency absorbs.
 *   `{ "clear": true }` removes every fault; POST /_reset also forgets documents and statistics.
 */
import http from 'node:http';
import { Prng } from '../../domain/prng.js';
import { collectBody, dispatch, listenFake, reply, route, sendJson, sendReply, type FaultFakeOptions, type JsonReply } from '../http/fake-server.js';
import { FNS_DOCUMENTS_PATH, FNS_MAX_BODY_BYTES, FNS_MAX_DOCUMENTS } from './fns-api.js';
import { applyFaults, FaultsInputBody, noFaults, requestFault, viewFaults, type FakeFnsFaults, type FaultsInput, type FnsFaults } from './fake-fns-faults.js';
import { checkBatch, createFnsLedger, injectedRefusal, parseBatch, type FakeFnsStats, type FnsLedger, type ReceivedDocument } from './fake-fns-ledger.js';

export { FaultsInputBody, type FakeFnsFaults, type FaultsInput } from './fake-fns-faults.js';
export type { FakeFnsStats, ReceivedDocument } from './fake-fns-ledger.js';

export interface FakeFnsOptions extends FaultFakeOptions {
  /** Seed of the error-rate PRNG. Default 'fake-fns'. */
  readonly seed?: string;
  readonly maxDocuments?: number;
  readonly maxBodyBytes?: number;
}

export interface FakeFns {
  readonly url: string;
  readonly port: number;
  stats(): FakeFnsStats;
  received(fn: string, fd: number): ReceivedDocument | undefined;
  setFaults(faults: FaultsInput): FakeFnsFaults;
  faults(): FakeFnsFaults;
  /** Forgets documents and statistics and clears the faults. */
  reset(): void;
  close(): Promise<void>;
}

/** The fake's mutable state: what the routes read and change. */
interface FnsFake {
  readonly ledger: FnsLedger;
  faults: FnsFaults;
  prng: Prng;
  readonly maxDocuments: number;
  readonly maxBodyBytes: number;
  reset(): void;
}

/** POST /api/v1/documents: the faults in their order, then the batch. Everything it decides happens here, synchronously. */
function handleDocuments(fake: FnsFake, text: string, tooLarge: boolean): JsonReply {
  const fault = requestFault(fake.faults, fake.prng);
  if (fault) return fault;
  if (tooLarge) return reply(413, { code: 'TOO_LARGE', message: `body over ${fake.maxBodyBytes} bytes` });
  const batch = parseBatch(text, fake.maxDocuments);
  if (!Array.isArray(batch)) return batch;
  const refusal = injectedRefusal(batch, fake.faults.failDocuments);
  if (refusal) return refusal;
  const checked = checkBatch(batch);
  if (!Array.isArray(checked)) return checked;
  return fake.ledger.answer(checked);
}

/** The API request: reset by an outage in reset mode, else answered — after the injected latency, if any. */
function apiRequest(fake: FnsFake, req: http.IncomingMessage, res: http.ServerResponse, body: { text: string; tooLarge: boolean }): void {
  fake.ledger.countRequest();
  if (fake.faults.outageUntil > Date.now() && fake.faults.outageMode === 'reset') {
    fake.ledger.countAnswer('reset');
    req.socket.destroy();
    return;
  }
  const answer = handleDocuments(fake, body.text, body.tooLarge);
  fake.ledger.countAnswer(String(answer.status));
  if (fake.faults.latencyMs > 0) setTimeout(() => sendReply(res, answer), fake.faults.latencyMs);
  else sendReply(res, answer);
}

function postFaults(fake: FnsFake, text: string): JsonReply {
  let input: unknown;
  try {
    input = JSON.parse(text || '{}');
  } catch {
    return reply(400, { code: 'BAD_REQUEST', message: 'body is not JSON' });
  }
  const parsed = FaultsInputBody.safeParse(input);
  if (!parsed.success) return reply(400, { code: 'BAD_REQUEST', message: parsed.error.issues[0]?.message ?? 'invalid faults' });
  fake.faults = applyFaults(fake.faults, parsed.data);
  return reply(200, viewFaults(fake.faults));
}

type FnsRouteArgs = [fake: FnsFake, req: http.IncomingMessage, res: http.ServerResponse, body: { text: string; tooLarge: boolean }];

const ROUTES = [
  route<FnsRouteArgs>('POST', FNS_DOCUMENTS_PATH, (_, fake, req, res, body) => apiRequest(fake, req, res, body)),
  route<FnsRouteArgs>('GET', '/_stats', (_, fake, __, res) => sendJson(res, 200, fake.ledger.stats())),
  route<FnsRouteArgs>('GET', '/_faults', (_, fake, __, res) => sendJson(res, 200, viewFaults(fake.faults))),
  route<FnsRouteArgs>('POST', '/_faults', (_, fake, __, res, body) => sendReply(res, postFaults(fake, body.text))),
  route<FnsRouteArgs>('POST', '/_reset', (_, fake, __, res) => {
    fake.reset();
    sendJson(res, 200, { reset: true });
  }),
  route<FnsRouteArgs>('GET', /^\/_documents\/(\d{16})\/(\d+)$/, ([fn, fd], fake, __, res) => {
    const found = fake.ledger.get(fn!, Number(fd));
    return found ? sendJson(res, 200, found) : sendJson(res, 404, { code: 'NOT_FOUND', message: 'not received' });
  }),
];

function createFnsFake(options: FakeFnsOptions): FnsFake {
  const seed = options.seed ?? 'fake-fns';
  const fake: FnsFake = {
    ledger: createFnsLedger(),
    faults: noFaults(),
    prng: new Prng(seed),
    maxDocuments: options.maxDocuments ?? FNS_MAX_DOCUMENTS,
    maxBodyBytes: options.maxBodyBytes ?? FNS_MAX_BODY_BYTES,
    reset() {
      fake.ledger.clear();
      fake.faults = noFaults();
      fake.prng = new Prng(seed);
    },
  };
  const { latencyMs, errorRate, errorStatus, outageMs, outageMode } = options;
  fake.faults = applyFaults(fake.faults, { latencyMs, errorRate, errorStatus, outageMs, outageMode });
  return fake;
}

export async function startFakeFns(options: FakeFnsOptions = {}): Promise<FakeFns> {
  const fake = createFnsFake(options);
  const server = http.createServer((req, res) => {
    void collectBody(req, fake.maxBodyBytes).then((body) => {
      const { pathname } = new URL(req.url ?? '/', 'http://fake-fns');
      const { matched } = dispatch(ROUTES, req.method, pathname, fake, req, res, body);
      if (!matched) sendJson(res, 404, { code: 'NOT_FOUND', message: `${req.method} ${pathname}` });
    });
  });
  server.keepAliveTimeout = 60_000;
  const listening = await listenFake(server, options);
  return {
    url: listening.url,
    port: listening.port,
    stats: () => fake.ledger.stats(),
    received: (fn, fd) => {
      const d = fake.ledger.get(fn, fd);
      return d ? { ...d } : undefined;
    },
    setFaults(input) {
      fake.faults = applyFaults(fake.faults, FaultsInputBody.parse(input));
      return viewFaults(fake.faults);
    },
    faults: () => viewFaults(fake.faults),
    reset: () => fake.reset(),
    close: () => listening.close(),
  };
}
