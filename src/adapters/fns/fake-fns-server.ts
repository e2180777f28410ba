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
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { Prng } from '../../domain/prng.js';
import {
  documentKey,
  FNS_DOCUMENTS_PATH,
  FNS_MAX_BODY_BYTES,
  FNS_MAX_DOCUMENTS,
  FNS_STATUSES,
  FnsRequestBody,
  type FnsDocumentSubmission,
  type FnsStatus,
  type FnsTagError,
} from './fns-api.js';
import { checkSubmission, judgeDocument, type CheckedSubmission, type SubmissionProblem } from './fake-fns-rules.js';

export interface FakeFnsOptions {
  readonly port?: number;
  readonly host?: string;
  readonly latencyMs?: number;
  readonly errorRate?: number;
  readonly errorStatus?: number;
  /** An outage from the start, this long. */
  readonly outageMs?: number;
  readonly outageMode?: 'status' | 'reset';
  /** Seed of the error-rate PRNG. Default 'fake-fns'. */
  readonly seed?: string;
  readonly maxDocuments?: number;
  readonly maxBodyBytes?: number;
}

export const FaultsInputBody = z
  .object({
    clear: z.boolean().optional(),
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    errorRate: z.number().min(0).max(1).optional(),
    errorStatus: z.number().int().min(400).max(599).optional(),
    outageMs: z.number().int().min(0).optional(),
    outageMode: z.enum(['status', 'reset']).optional(),
    rateLimit: z.object({ requests: z.number().int().min(0), retryAfterS: z.number().int().min(0) }).nullable().optional(),
    failDocuments: z
      .array(z.object({ fn: z.string(), fd: z.number().int(), status: z.number().int().min(400).max(499).optional() }))
      .optional(),
  })
  .strict();
export type FaultsInput = z.infer<typeof FaultsInputBody>;

export interface FakeFnsFaults {
  readonly latencyMs: number;
  readonly errorRate: number;
  readonly errorStatus: number;
  /** ISO time the outage ends; null when none is on. */
  readonly outageUntil: string | null;
  readonly outageMode: 'status' | 'reset';
  readonly rateLimit: { readonly requests: number; readonly retryAfterS: number } | null;
  readonly failDocuments: readonly { readonly fn: string; readonly fd: number; readonly status: number }[];
}

export interface FakeFnsStats {
  /** API requests (POST /api/v1/documents), by the HTTP status answered (`reset` for a reset connection). */
  readonly requests: { readonly total: number; readonly byStatus: Readonly<Record<string, number>> };
  readonly documents: {
    /** Document copies processed (answered 200), duplicates included. */
    readonly received: number;
    /** Distinct (fn, fd) processed. */
    readonly unique: number;
    /** Copies of an (fn, fd) processed before. */
    readonly duplicates: number;
    readonly byStatus: Readonly<Record<FnsStatus, number>>;
  };
  /** `<fn>:<fd>` → copies processed and the answer. */
  readonly perDocument: Readonly<Record<string, { readonly received: number; readonly status: FnsStatus }>>;
}

export interface ReceivedDocument {
  /** The first copy, as received. */
  readonly submission: FnsDocumentSubmission;
  readonly status: FnsStatus;
  readonly errors: readonly FnsTagError[];
  readonly received: number;
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

interface MutableFaults {
  latencyMs: number;
  errorRate: number;
  errorStatus: number;
  outageUntil: number;
  outageMode: 'status' | 'reset';
  rateLimit: { requests: number; retryAfterS: number } | null;
  failDocuments: Map<string, number>;
}

const noFaults = (): MutableFaults => ({
  latencyMs: 0,
  errorRate: 0,
  errorStatus: 503,
  outageUntil: 0,
  outageMode: 'status',
  rateLimit: null,
  failDocuments: new Map(),
});

export async function startFakeFns(options: FakeFnsOptions = {}): Promise<FakeFns> {
  const maxDocuments = options.maxDocuments ?? FNS_MAX_DOCUMENTS;
  const maxBodyBytes = options.maxBodyBytes ?? FNS_MAX_BODY_BYTES;
  let prng = new Prng(options.seed ?? 'fake-fns');
  let faults = noFaults();
  const documents = new Map<string, { submission: FnsDocumentSubmission; status: FnsStatus; errors: readonly FnsTagError[]; received: number }>();
  const counters = { requests: 0, byStatus: new Map<string, number>(), received: 0, duplicates: 0 };

  function applyFaults(input: FaultsInput): void {
    if (input.clear) faults = noFaults();
    if (input.latencyMs !== undefined) faults.latencyMs = input.latencyMs;
    if (input.errorRate !== undefined) faults.errorRate = input.errorRate;
    if (input.errorStatus !== undefined) faults.errorStatus = input.errorStatus;
    if (input.outageMode !== undefined) faults.outageMode = input.outageMode;
    if (input.outageMs !== undefined) faults.outageUntil = input.outageMs > 0 ? Date.now() + input.outageMs : 0;
    if (input.rateLimit !== undefined) faults.rateLimit = input.rateLimit && input.rateLimit.requests > 0 ? { ...input.rateLimit } : null;
    if (input.failDocuments !== undefined) {
      faults.failDocuments = new Map(input.failDocuments.map((d) => [documentKey(d.fn, d.fd), d.status ?? 400]));
    }
  }
  applyFaults({
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.errorRate === undefined ? {} : { errorRate: options.errorRate }),
    ...(options.errorStatus === undefined ? {} : { errorStatus: options.errorStatus }),
    ...(options.outageMs === undefined ? {} : { outageMs: options.outageMs }),
    ...(options.outageMode === undefined ? {} : { outageMode: options.outageMode }),
  });

  const currentFaults = (): FakeFnsFaults => ({
    latencyMs: faults.latencyMs,
    errorRate: faults.errorRate,
    errorStatus: faults.errorStatus,
    outageUntil: faults.outageUntil > Date.now() ? new Date(faults.outageUntil).toISOString() : null,
    outageMode: faults.outageMode,
    rateLimit: faults.rateLimit ? { ...faults.rateLimit } : null,
    failDocuments: [...faults.failDocuments].map(([key, status]) => {
      const [fn = '', fd = '0'] = key.split(':');
      return { fn, fd: Number(fd), status };
    }),
  });

  const stats = (): FakeFnsStats => {
    const byStatus = Object.fromEntries(FNS_STATUSES.map((s) => [s, 0])) as Record<FnsStatus, number>;
    const perDocument: Record<string, { received: number; status: FnsStatus }> = {};
    for (const [key, d] of documents) {
      byStatus[d.status] += 1;
      perDocument[key] = { received: d.received, status: d.status };
    }
    return {
      requests: { total: counters.requests, byStatus: Object.fromEntries(counters.byStatus) },
      documents: { received: counters.received, unique: documents.size, duplicates: counters.duplicates, byStatus },
      perDocument,
    };
  };

  const count = (status: string) => counters.byStatus.set(status, (counters.byStatus.get(status) ?? 0) + 1);

  /** The API: returns [status, body, headers]. Everything it decides happens here, synchronously. */
  function handleDocuments(body: Buffer, tooLarge: boolean): [number, unknown, Record<string, string>?] {
    if (faults.outageUntil > Date.now()) return [503, { code: 'UNAVAILABLE', message: 'injected outage' }];
    if (faults.rateLimit && faults.rateLimit.requests > 0) {
      const { retryAfterS } = faults.rateLimit;
      faults.rateLimit.requests -= 1;
      if (faults.rateLimit.requests === 0) faults.rateLimit = null;
      return [429, { code: 'RATE_LIMITED', message: 'injected rate limit' }, { 'retry-after': String(retryAfterS) }];
    }
    if (faults.errorRate > 0 && prng.nextUint32() / 2 ** 32 < faults.errorRate) {
      return [faults.errorStatus, { code: 'INJECTED_ERROR', message: 'injected error' }];
    }
    if (tooLarge) return [413, { code: 'TOO_LARGE', message: `body over ${maxBodyBytes} bytes` }];
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return [400, { code: 'BAD_REQUEST', message: 'body is not JSON' }];
    }
    const parsed = FnsRequestBody.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return [400, { code: 'BAD_REQUEST', message: issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid request' }];
    }
    const batch = parsed.data.documents as FnsDocumentSubmission[];
    if (batch.length > maxDocuments) return [413, { code: 'TOO_LARGE', message: `${batch.length} documents; at most ${maxDocuments}` }];
    const keys = new Set<string>();
    for (const d of batch) {
      const key = documentKey(d.fn, d.fd);
      if (keys.has(key)) return [400, { code: 'BAD_REQUEST', message: `document (${d.fn}, ${d.fd}) twice in one request` }];
      keys.add(key);
    }
    const injected = batch.filter((d) => faults.failDocuments.has(documentKey(d.fn, d.fd)));
    if (injected.length > 0) {
      const status = faults.failDocuments.get(documentKey(injected[0]!.fn, injected[0]!.fd)) ?? 400;
      return [
        status,
        {
          code: 'BAD_DOCUMENT',
          message: `${injected.length} document(s) refused (injected)`,
          documents: injected.map((d) => ({ fn: d.fn, fd: d.fd, code: 'INJECTED', message: 'refused by an injected fault' })),
        },
      ];
    }
    const problems: SubmissionProblem[] = [];
    const checked: { d: FnsDocumentSubmission; check: CheckedSubmission }[] = [];
    for (const d of batch) {
      const check = checkSubmission(d);
      if (check.ok) checked.push({ d, check });
      else problems.push(check);
    }
    if (problems.length > 0) {
      return [
        400,
        {
          code: 'BAD_DOCUMENT',
          message: `${problems.length} document(s) do not check: ${problems[0]!.code}`,
          documents: problems.map(({ fn, fd, code, message }) => ({ fn, fd, code, message })),
        },
      ];
    }
    const answers = checked.map(({ d, check }) => {
      const key = documentKey(d.fn, d.fd);
      counters.received += 1;
      const known = documents.get(key);
      if (known) {
        known.received += 1;
        counters.duplicates += 1;
        return { fn: d.fn, fd: d.fd, status: known.status, ...(known.errors.length ? { errors: known.errors } : {}), duplicate: true };
      }
      const judgement = judgeDocument(check.form, check.fields);
      documents.set(key, { submission: d, status: judgement.status, errors: judgement.errors, received: 1 });
      return { fn: d.fn, fd: d.fd, status: judgement.status, ...(judgement.errors.length ? { errors: judgement.errors } : {}) };
    });
    return [200, { documents: answers }];
  }

  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(c);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake-fns');
      const body = Buffer.concat(chunks);
      if (req.method === 'POST' && url.pathname === FNS_DOCUMENTS_PATH) {
        counters.requests += 1;
        if (faults.outageUntil > Date.now() && faults.outageMode === 'reset') {
          count('reset');
          req.socket.destroy();
          return;
        }
        const [status, answer, headers] = handleDocuments(body, tooLarge);
        count(String(status));
        if (faults.latencyMs > 0) setTimeout(() => send(res, status, answer, headers), faults.latencyMs);
        else send(res, status, answer, headers);
        return;
      }
      if (req.method === 'GET' && url.pathname === '/_stats') return send(res, 200, stats());
      if (req.method === 'GET' && url.pathname === '/_faults') return send(res, 200, currentFaults());
      if (req.method === 'POST' && url.pathname === '/_faults') {
        let input: unknown;
        try {
          input = JSON.parse(body.toString('utf8') || '{}');
        } catch {
          return send(res, 400, { code: 'BAD_REQUEST', message: 'body is not JSON' });
        }
        const parsed = FaultsInputBody.safeParse(input);
        if (!parsed.success) return send(res, 400, { code: 'BAD_REQUEST', message: parsed.error.issues[0]?.message ?? 'invalid faults' });
        applyFaults(parsed.data);
        return send(res, 200, currentFaults());
      }
      if (req.method === 'POST' && url.pathname === '/_reset') {
        reset();
        return send(res, 200, { reset: true });
      }
      const doc = /^\/_documents\/(\d{16})\/(\d+)$/.exec(url.pathname);
      if (req.method === 'GET' && doc) {
        const found = documents.get(documentKey(doc[1]!, Number(doc[2])));
        return found ? send(res, 200, found) : send(res, 404, { code: 'NOT_FOUND', message: 'not received' });
      }
      return send(res, 404, { code: 'NOT_FOUND', message: `${req.method} ${url.pathname}` });
    });
  });
  server.keepAliveTimeout = 60_000;

  function reset(): void {
    documents.clear();
    counters.requests = 0;
    counters.byStatus.clear();
    counters.received = 0;
    counters.duplicates = 0;
    faults = noFaults();
    prng = new Prng(options.seed ?? 'fake-fns');
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stats,
    received: (fn, fd) => {
      const d = documents.get(documentKey(fn, fd));
      return d ? { ...d } : undefined;
    },
    setFaults(input) {
      applyFaults(FaultsInputBody.parse(input));
      return currentFaults();
    },
    faults: currentFaults,
    reset,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })),
  };
}
