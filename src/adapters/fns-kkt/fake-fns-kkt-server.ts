/**
 * `ofd fake-fns-kkt`: a real HTTP server playing the FNS's KKT registration service (fns-kkt-api.ts) for local runs and
 * tests. It accepts applications (idempotent on applicationId), and after `decisionDelayMs` decides: registered with an
 * РНМ — the next ordinal number and the check part computed by our РНМ algorithm for the user's INN and the KKT serial —
 * or refused with reasons. Faults: `mode` 'fail' answers 503 to everything, 'timeout' never answers (the connection is
 * held until the client gives up); `refuseSerials` refuses applications for those KKT serials. POST /_control changes
 * the options while it runs; GET /_applications lists what it received.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { computeRnm } from '../../domain/kkt-registration/rnm.js';
import { FNS_KKT_APPLICATIONS_PATH, KktRegistrationReport, KktSubmission, type KktApplicationState } from './fns-kkt-api.js';

export const FakeFnsKktControl = z
  .object({
    decisionDelayMs: z.number().int().min(0).max(3_600_000).optional(),
    mode: z.enum(['normal', 'fail', 'timeout']).optional(),
    refuseSerials: z.array(z.string()).optional(),
  })
  .strict();
export type FakeFnsKktControl = z.infer<typeof FakeFnsKktControl>;

export interface FakeFnsKktOptions extends FakeFnsKktControl {
  readonly port?: number;
  readonly host?: string;
  /** The first ordinal number handed out. Default 1 000 001. */
  readonly firstOrdinal?: number;
}

interface StoredApplication {
  readonly submission: KktSubmission;
  readonly fnsApplicationId: string;
  readonly receivedAt: number;
  submissions: number;
  decided?: KktApplicationState;
  report?: KktRegistrationReport;
}

export interface FakeFnsKkt {
  readonly url: string;
  readonly applications: ReadonlyMap<string, StoredApplication>;
  control(c: FakeFnsKktControl): void;
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw Object.assign(new Error('body is not JSON'), { status: 400 });
  }
}

export async function startFakeFnsKkt(options: FakeFnsKktOptions = {}): Promise<FakeFnsKkt> {
  const settings = { decisionDelayMs: options.decisionDelayMs ?? 1000, mode: options.mode ?? 'normal', refuseSerials: new Set(options.refuseSerials ?? []) };
  let nextOrdinal = options.firstOrdinal ?? 1_000_001;
  const byId = new Map<string, StoredApplication>();
  const byFnsId = new Map<string, StoredApplication>();

  /** The decision is made lazily once the delay has passed, so a restart-free fake needs no timers. */
  function stateOf(a: StoredApplication): KktApplicationState {
    if (!a.decided && Date.now() - a.receivedAt >= settings.decisionDelayMs) {
      const s = a.submission;
      if (settings.refuseSerials.has(s.kktSerialNumber)) {
        a.decided = { fnsApplicationId: a.fnsApplicationId, status: 'refused', refusal: { code: 'KKT_NOT_IN_REGISTRY', reasons: [`Экземпляр ККТ с заводским номером ${s.kktSerialNumber} отсутствует в реестре экземпляров ККТ`] } };
      } else if (s.kind === 'registration') {
        a.decided = { fnsApplicationId: a.fnsApplicationId, status: 'registered', kktRegId: computeRnm(nextOrdinal++, s.userInn, s.kktSerialNumber) };
      } else {
        a.decided = { fnsApplicationId: a.fnsApplicationId, status: 'registered', ...(s.kktRegId ? { kktRegId: s.kktRegId } : {}) };
      }
    }
    if (a.report && a.decided?.status === 'registered') return { ...a.decided, status: 'completed' };
    return a.decided ?? { fnsApplicationId: a.fnsApplicationId, status: 'processing' };
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    if (req.method === 'POST' && path === '') {
      const parsed = KktSubmission.safeParse(await readBody(req));
      if (!parsed.success) return send(res, 400, { code: 'BAD_REQUEST', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      let a = byId.get(parsed.data.applicationId);
      if (!a) {
        a = { submission: parsed.data, fnsApplicationId: `fns-${byId.size + 1}-${Date.now().toString(36)}`, receivedAt: Date.now(), submissions: 0 };
        byId.set(parsed.data.applicationId, a);
        byFnsId.set(a.fnsApplicationId, a);
      }
      a.submissions++;
      return send(res, 202, stateOf(a));
    }
    const m = /^\/([^/]+)(\/registration-report)?$/.exec(path);
    const a = m ? byFnsId.get(decodeURIComponent(m[1]!)) : undefined;
    if (!m || !a) return send(res, 404, { code: 'NOT_FOUND', message: 'no such application' });
    if (req.method === 'GET' && !m[2]) return send(res, 200, stateOf(a));
    if (req.method === 'POST' && m[2]) {
      const report = KktRegistrationReport.safeParse(await readBody(req));
      if (!report.success) return send(res, 400, { code: 'BAD_REQUEST', message: 'not a registration report' });
      if (stateOf(a).status !== 'registered' && stateOf(a).status !== 'completed') return send(res, 409, { code: 'NOT_REGISTERED', message: 'the application has no РНМ yet' });
      a.report ??= report.data;
      return send(res, 200, stateOf(a));
    }
    return send(res, 405, { code: 'METHOD_NOT_ALLOWED', message: `${req.method ?? ''} ${path}` });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname === '/_control' && req.method === 'POST') {
      const c = FakeFnsKktControl.safeParse(await readBody(req));
      if (!c.success) return send(res, 400, { code: 'BAD_REQUEST', message: c.error.message });
      control(c.data);
      return send(res, 200, { decisionDelayMs: settings.decisionDelayMs, mode: settings.mode, refuseSerials: [...settings.refuseSerials] });
    }
    if (url.pathname === '/_applications' && req.method === 'GET') {
      return send(res, 200, [...byId.values()].map((a) => ({ ...a.submission, xml: undefined, signature: undefined, fnsApplicationId: a.fnsApplicationId, submissions: a.submissions, report: a.report ?? null, state: stateOf(a) })));
    }
    if (!url.pathname.startsWith(FNS_KKT_APPLICATIONS_PATH)) return send(res, 404, { code: 'NOT_FOUND', message: url.pathname });
    if (settings.mode === 'timeout') return; // hold the request: the client's timeout is what is being tested
    if (settings.mode === 'fail') return send(res, 503, { code: 'UNAVAILABLE', message: 'fake FNS set to fail' });
    return api(req, res, url.pathname.slice(FNS_KKT_APPLICATIONS_PATH.length));
  }

  function control(c: FakeFnsKktControl): void {
    if (c.decisionDelayMs !== undefined) settings.decisionDelayMs = c.decisionDelayMs;
    if (c.mode !== undefined) settings.mode = c.mode;
    if (c.refuseSerials !== undefined) settings.refuseSerials = new Set(c.refuseSerials);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = (e as { status?: number }).status ?? 500;
      if (!res.headersSent) send(res, status, { code: status === 500 ? 'INTERNAL' : 'BAD_REQUEST', message: (e as Error).message });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    applications: byId,
    control,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
