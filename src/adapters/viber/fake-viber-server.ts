/**
 * A runnable fake of the Viber business-messaging provider (contract in viber-sender.ts), for tests and local runs
 * (`ofd fake-viber --port N`). Deterministic: a message is `delivered` `deliverAfterMs` after it was accepted, unless
 * its phone is listed as without Viber (→ `undelivered`, reason NOT_VIBER_USER) or as offline (→ `expired` once the
 * TTL — shortened to `expireAfterMs` here — has passed). `GET /v1/viber/messages` lists what arrived;
 * `POST /_control` `{ "failNext", "status", "noViber": [...], "offline": [...], "deliverAfterMs", "expireAfterMs" }`
 * changes the rules.
 */
import { answer, fakeError, startFakeJsonServer, type FakeRequest, type FakeServerOptions, type JsonAnswer } from '../http/fake-json-server.js';
import { normalizePhone } from '../sms/sms-sender.js';
import type { ViberStatus } from './viber-sender.js';

export interface FakeViberMessage {
  readonly id: string;
  readonly providerId: string;
  readonly to: string;
  readonly text: string;
  readonly button: { caption: string; url: string } | undefined;
  readonly ttlSeconds: number;
  readonly acceptedAt: number;
}

export interface FakeViberRules {
  /** Phones without Viber: their messages end `undelivered`. */
  noViber: string[];
  /** Phones that never come online: their messages end `expired`. */
  offline: string[];
  deliverAfterMs: number;
  expireAfterMs: number;
}

export interface FakeViber {
  readonly url: string;
  readonly port: number;
  readonly messages: FakeViberMessage[];
  readonly rules: FakeViberRules;
  failNext(count: number, status?: number): void;
  statusOf(m: FakeViberMessage, now?: number): { status: ViberStatus; reason?: string };
  close(): Promise<void>;
}

export interface FakeViberOptions extends FakeServerOptions {
  readonly rules?: Partial<FakeViberRules>;
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
const nonNegative = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/** The provider's state: what the handlers read and change. */
interface ViberFake {
  readonly messages: FakeViberMessage[];
  readonly byId: Map<string, FakeViberMessage>;
  readonly rules: FakeViberRules;
  failures: number;
  failStatus: number;
  counter: number;
}

function statusOf(rules: FakeViberRules, m: FakeViberMessage, now = Date.now()): { status: ViberStatus; reason?: string } {
  const age = now - m.acceptedAt;
  if (rules.noViber.includes(m.to)) return age >= rules.deliverAfterMs ? { status: 'undelivered', reason: 'NOT_VIBER_USER' } : { status: 'accepted' };
  if (rules.offline.includes(m.to)) return age >= Math.min(rules.expireAfterMs, m.ttlSeconds * 1000) ? { status: 'expired', reason: 'TTL_EXPIRED' } : { status: 'accepted' };
  return age >= rules.deliverAfterMs ? { status: 'delivered' } : { status: 'accepted' };
}

/** POST /_control: failures to inject and the delivery rules. */
function control(fake: ViberFake, b: Record<string, unknown>): JsonAnswer {
  if (typeof b['failNext'] === 'number') {
    fake.failures = b['failNext'];
    fake.failStatus = typeof b['status'] === 'number' ? b['status'] : 503;
  }
  const { rules } = fake;
  rules.noViber = strings(b['noViber']) ?? rules.noViber;
  rules.offline = strings(b['offline']) ?? rules.offline;
  rules.deliverAfterMs = nonNegative(b['deliverAfterMs']) ?? rules.deliverAfterMs;
  rules.expireAfterMs = nonNegative(b['expireAfterMs']) ?? rules.expireAfterMs;
  return answer(200, { rules, failNext: fake.failures });
}

/** What is wrong with a message to send, or undefined. */
function invalidMessage(body: Record<string, unknown>): JsonAnswer | undefined {
  const { id, to, text, ttlSeconds, button } = body;
  if (typeof id !== 'string' || id === '' || typeof text !== 'string' || text === '' || text.length > 1000 || typeof to !== 'string') {
    return fakeError(400, 'BAD_REQUEST', 'id, to and text (≤ 1000 characters) are required');
  }
  if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > 86_400) {
    return fakeError(400, 'BAD_REQUEST', 'ttlSeconds must be an integer 60–86400');
  }
  const b = button as { caption?: unknown; url?: unknown } | undefined;
  if (b !== undefined && (typeof b.caption !== 'string' || b.caption.length > 30 || typeof b.url !== 'string' || !/^https?:\/\//.test(b.url))) {
    return fakeError(400, 'BAD_REQUEST', 'button needs a caption (≤ 30 characters) and an http(s) url');
  }
  if (normalizePhone(to) !== to) return fakeError(400, 'INVALID_PHONE', `not an E.164 number: ${to}`);
  return undefined;
}

/** POST /v1/viber/messages: accepted once per id, unless a failure is injected or the message is invalid. */
function send(fake: ViberFake, body: Record<string, unknown> | null | undefined): JsonAnswer {
  if (body === undefined || body === null || typeof body !== 'object') return fakeError(400, 'BAD_REQUEST', 'body is not JSON');
  if (fake.failures > 0) {
    fake.failures -= 1;
    return fakeError(fake.failStatus, 'UNAVAILABLE', 'injected failure');
  }
  const invalid = invalidMessage(body);
  if (invalid) return invalid;
  const id = body['id'] as string;
  const seen = fake.byId.get(id);
  if (seen) return answer(202, { id: seen.id, providerId: seen.providerId, status: 'accepted' });
  const b = body['button'] as { caption: string; url: string } | undefined;
  const message: FakeViberMessage = {
    id,
    providerId: `viber-${++fake.counter}`,
    to: body['to'] as string,
    text: body['text'] as string,
    button: b ? { caption: b.caption, url: b.url } : undefined,
    ttlSeconds: body['ttlSeconds'] as number,
    acceptedAt: Date.now(),
  };
  fake.messages.push(message);
  fake.byId.set(id, message);
  return answer(202, { id, providerId: message.providerId, status: 'accepted' });
}

async function handle(fake: ViberFake, req: FakeRequest): Promise<JsonAnswer> {
  const { pathname } = req.url;
  if (req.method === 'POST' && pathname === '/_control') return control(fake, ((await req.json()) ?? {}) as Record<string, unknown>);
  if (req.method === 'GET' && pathname === '/v1/viber/messages') {
    return answer(200, { items: fake.messages.map((m) => ({ ...m, ...statusOf(fake.rules, m) })) });
  }
  const one = /^\/v1\/viber\/messages\/([^/]+)$/.exec(pathname);
  if (req.method === 'GET' && one) {
    const m = fake.byId.get(decodeURIComponent(one[1]!));
    return m ? answer(200, { id: m.id, providerId: m.providerId, ...statusOf(fake.rules, m) }) : fakeError(404, 'NOT_FOUND', 'no such message');
  }
  if (req.method !== 'POST' || pathname !== '/v1/viber/messages') return fakeError(404, 'NOT_FOUND', 'no such endpoint');
  return send(fake, (await req.json()) as Record<string, unknown> | null | undefined);
}

export async function startFakeViber(options: FakeViberOptions = {}): Promise<FakeViber> {
  const fake: ViberFake = {
    messages: [],
    byId: new Map(),
    rules: { noViber: [], offline: [], deliverAfterMs: 50, expireAfterMs: 500, ...options.rules },
    failures: 0,
    failStatus: 503,
    counter: 0,
  };
  const server = await startFakeJsonServer((req) => handle(fake, req), options);
  return {
    url: server.url,
    port: server.port,
    messages: fake.messages,
    rules: fake.rules,
    failNext(count, status = 503) {
      fake.failures = count;
      fake.failStatus = status;
    },
    statusOf: (m, now) => statusOf(fake.rules, m, now),
    close: () => server.close(),
  };
}
