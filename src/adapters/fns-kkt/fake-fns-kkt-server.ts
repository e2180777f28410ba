/**
 * `ofd fake-fns-kkt`: a real HTTP server playing the FNS's KKT registration service (fns-kkt-api.ts) for local runs and
 * tests. It accepts applications (idempotent on applicationId), and after `decisionDelayMs` decides: registered with an
 * РНМ — the next ordinal number and the check part computed by our РНМ algorithm for the user's INN and the KKT serial —
 * or refused with reasons. Faults: `mode` 'fail' answers 503 to everything, 'timeout' never answers (the connection is
 * held until the client gives up); `refuseSerials` refuses applications for those KKT serials. POST /_control changes
 * the options while it runs; GET /_applications lists what it received.
 */
import http from 'node:http';
import { z } from 'zod';
import { computeRnm } from '../../domain/kkt-registration/rnm.js';
import { dispatch, listenFake, readJsonBody, route, sendError, sendJson } from '../http/fake-server.js';
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

/** The service's state: what the handlers read and change. */
interface KktFake {
  readonly settings: { decisionDelayMs: number; mode: 'normal' | 'fail' | 'timeout'; refuseSerials: Set<string> };
  nextOrdinal: number;
  readonly byId: Map<string, StoredApplication>;
  readonly byFnsId: Map<string, StoredApplication>;
}

/** The decision the service makes once the delay has passed: refused for a listed serial, else registered. */
function decide(fake: KktFake, a: StoredApplication): KktApplicationState {
  const s = a.submission;
  if (fake.settings.refuseSerials.has(s.kktSerialNumber)) {
    return { fnsApplicationId: a.fnsApplicationId, status: 'refused', refusal: { code: 'KKT_NOT_IN_REGISTRY', reasons: [`Экземпляр ККТ с заводским номером ${s.kktSerialNumber} отсутствует в реестре экземпляров ККТ`] } };
  }
  if (s.kind === 'registration') {
    return { fnsApplicationId: a.fnsApplicationId, status: 'registered', kktRegId: computeRnm(fake.nextOrdinal++, s.userInn, s.kktSerialNumber) };
  }
  return { fnsApplicationId: a.fnsApplicationId, status: 'registered', ...(s.kktRegId ? { kktRegId: s.kktRegId } : {}) };
}

/** The decision is made lazily once the delay has passed, so a restart-free fake needs no timers. */
function stateOf(fake: KktFake, a: StoredApplication): KktApplicationState {
  if (!a.decided && Date.now() - a.receivedAt >= fake.settings.decisionDelayMs) a.decided = decide(fake, a);
  if (a.report && a.decided?.status === 'registered') return { ...a.decided, status: 'completed' };
  return a.decided ?? { fnsApplicationId: a.fnsApplicationId, status: 'processing' };
}

/** POST <applications>: accepted (idempotent on applicationId) with its state. */
async function submit(fake: KktFake, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const parsed = KktSubmission.safeParse(await readJsonBody(req, MAX_BODY));
  if (!parsed.success) return sendError(res, 400, 'BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  let a = fake.byId.get(parsed.data.applicationId);
  if (!a) {
    a = { submission: parsed.data, fnsApplicationId: `fns-${fake.byId.size + 1}-${Date.now().toString(36)}`, receivedAt: Date.now(), submissions: 0 };
    fake.byId.set(parsed.data.applicationId, a);
    fake.byFnsId.set(a.fnsApplicationId, a);
  }
  a.submissions++;
  return sendJson(res, 202, stateOf(fake, a));
}

/** POST <applications>/<id>/registration-report: the report of a registered application, kept once. */
async function report(fake: KktFake, req: http.IncomingMessage, res: http.ServerResponse, a: StoredApplication): Promise<void> {
  const parsed = KktRegistrationReport.safeParse(await readJsonBody(req, MAX_BODY));
  if (!parsed.success) return sendError(res, 400, 'BAD_REQUEST', 'not a registration report');
  if (stateOf(fake, a).status !== 'registered' && stateOf(fake, a).status !== 'completed') return sendError(res, 409, 'NOT_REGISTERED', 'the application has no РНМ yet');
  a.report ??= parsed.data;
  return sendJson(res, 200, stateOf(fake, a));
}

async function api(fake: KktFake, req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
  if (req.method === 'POST' && path === '') return submit(fake, req, res);
  const m = /^\/([^/]+)(\/registration-report)?$/.exec(path);
  const a = m ? fake.byFnsId.get(decodeURIComponent(m[1]!)) : undefined;
  if (!m || !a) return sendError(res, 404, 'NOT_FOUND', 'no such application');
  if (req.method === 'GET' && !m[2]) return sendJson(res, 200, stateOf(fake, a));
  if (req.method === 'POST' && m[2]) return report(fake, req, res, a);
  return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${req.method ?? ''} ${path}`);
}

function control(fake: KktFake, c: FakeFnsKktControl): void {
  if (c.decisionDelayMs !== undefined) fake.settings.decisionDelayMs = c.decisionDelayMs;
  if (c.mode !== undefined) fake.settings.mode = c.mode;
  if (c.refuseSerials !== undefined) fake.settings.refuseSerials = new Set(c.refuseSerials);
}

type KktRouteArgs = [fake: KktFake, req: http.IncomingMessage, res: http.ServerResponse];

const CONTROL_ROUTES = [
  route<KktRouteArgs>('POST', '/_control', async (_, fake, req, res) => {
    const c = FakeFnsKktControl.safeParse(await readJsonBody(req, MAX_BODY));
    if (!c.success) return sendError(res, 400, 'BAD_REQUEST', c.error.message);
    control(fake, c.data);
    const { decisionDelayMs, mode, refuseSerials } = fake.settings;
    return sendJson(res, 200, { decisionDelayMs, mode, refuseSerials: [...refuseSerials] });
  }),
  route<KktRouteArgs>('GET', '/_applications', (_, fake, __, res) =>
    sendJson(res, 200, [...fake.byId.values()].map((a) => ({ ...a.submission, xml: undefined, signature: undefined, fnsApplicationId: a.fnsApplicationId, submissions: a.submissions, report: a.report ?? null, state: stateOf(fake, a) }))),
  ),
];

async function handle(fake: KktFake, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const { matched, result } = dispatch(CONTROL_ROUTES, req.method, url.pathname, fake, req, res);
  if (matched) return void (await result);
  if (!url.pathname.startsWith(FNS_KKT_APPLICATIONS_PATH)) return sendError(res, 404, 'NOT_FOUND', url.pathname);
  if (fake.settings.mode === 'timeout') return; // hold the request: the client's timeout is what is being tested
  if (fake.settings.mode === 'fail') return sendError(res, 503, 'UNAVAILABLE', 'fake FNS set to fail');
  return api(fake, req, res, url.pathname.slice(FNS_KKT_APPLICATIONS_PATH.length));
}

export async function startFakeFnsKkt(options: FakeFnsKktOptions = {}): Promise<FakeFnsKkt> {
  const fake: KktFake = {
    settings: { decisionDelayMs: options.decisionDelayMs ?? 1000, mode: options.mode ?? 'normal', refuseSerials: new Set(options.refuseSerials ?? []) },
    nextOrdinal: options.firstOrdinal ?? 1_000_001,
    byId: new Map(),
    byFnsId: new Map(),
  };
  const server = http.createServer((req, res) => {
    handle(fake, req, res).catch((e: unknown) => {
      const status = (e as { status?: number }).status ?? 500;
      if (!res.headersSent) sendError(res, status, status === 500 ? 'INTERNAL' : 'BAD_REQUEST', (e as Error).message);
    });
  });
  const listening = await listenFake(server, options);
  return {
    url: listening.url,
    applications: fake.byId,
    control: (c) => control(fake, c),
    close: () => listening.close(),
  };
}
