/**
 * A runnable fake of the Viber business-messaging provider (contract in viber-sender.ts), for tests and local runs
 * (`ofd fake-viber --port N`). Deterministic: a message is `delivered` `deliverAfterMs` after it was accepted, unless
 * its phone is listed as without Viber (→ `undelivered`, reason NOT_VIBER_USER) or as offline (→ `expired` once the
 * TTL — shortened to `expireAfterMs` here — has passed). `GET /v1/viber/messages` lists what arrived;
 * `POST /_control` `{ "failNext", "status", "noViber": [...], "offline": [...], "deliverAfterMs", "expireAfterMs" }`
 * changes the rules.
 */
import { answer, fakeError, startFakeJsonServer, type FakeServerOptions } from '../http/fake-json-server.js';
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

export async function startFakeViber(options: FakeViberOptions = {}): Promise<FakeViber> {
  const messages: FakeViberMessage[] = [];
  const byId = new Map<string, FakeViberMessage>();
  const rules: FakeViberRules = { noViber: [], offline: [], deliverAfterMs: 50, expireAfterMs: 500, ...options.rules };
  let failures = 0;
  let failStatus = 503;
  let counter = 0;

  function statusOf(m: FakeViberMessage, now = Date.now()): { status: ViberStatus; reason?: string } {
    const age = now - m.acceptedAt;
    if (rules.noViber.includes(m.to)) return age >= rules.deliverAfterMs ? { status: 'undelivered', reason: 'NOT_VIBER_USER' } : { status: 'accepted' };
    if (rules.offline.includes(m.to)) return age >= Math.min(rules.expireAfterMs, m.ttlSeconds * 1000) ? { status: 'expired', reason: 'TTL_EXPIRED' } : { status: 'accepted' };
    return age >= rules.deliverAfterMs ? { status: 'delivered' } : { status: 'accepted' };
  }

  const server = await startFakeJsonServer(async (req) => {
    const { pathname } = req.url;
    if (req.method === 'POST' && pathname === '/_control') {
      const b = ((await req.json()) ?? {}) as Record<string, unknown>;
      if (typeof b['failNext'] === 'number') {
        failures = b['failNext'];
        failStatus = typeof b['status'] === 'number' ? b['status'] : 503;
      }
      rules.noViber = strings(b['noViber']) ?? rules.noViber;
      rules.offline = strings(b['offline']) ?? rules.offline;
      rules.deliverAfterMs = nonNegative(b['deliverAfterMs']) ?? rules.deliverAfterMs;
      rules.expireAfterMs = nonNegative(b['expireAfterMs']) ?? rules.expireAfterMs;
      return answer(200, { rules, failNext: failures });
    }
    if (req.method === 'GET' && pathname === '/v1/viber/messages') {
      return answer(200, { items: messages.map((m) => ({ ...m, ...statusOf(m) })) });
    }
    const one = /^\/v1\/viber\/messages\/([^/]+)$/.exec(pathname);
    if (req.method === 'GET' && one) {
      const m = byId.get(decodeURIComponent(one[1]!));
      return m ? answer(200, { id: m.id, providerId: m.providerId, ...statusOf(m) }) : fakeError(404, 'NOT_FOUND', 'no such message');
    }
    if (req.method !== 'POST' || pathname !== '/v1/viber/messages') return fakeError(404, 'NOT_FOUND', 'no such endpoint');
    const body = (await req.json()) as Record<string, unknown> | null | undefined;
    if (body === undefined || body === null || typeof body !== 'object') return fakeError(400, 'BAD_REQUEST', 'body is not JSON');
    if (failures > 0) {
      failures -= 1;
      return fakeError(failStatus, 'UNAVAILABLE', 'injected failure');
    }
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
    const seen = byId.get(id);
    if (seen) return answer(202, { id: seen.id, providerId: seen.providerId, status: 'accepted' });
    const message: FakeViberMessage = {
      id,
      providerId: `viber-${++counter}`,
      to,
      text,
      button: b ? { caption: b.caption as string, url: b.url as string } : undefined,
      ttlSeconds,
      acceptedAt: Date.now(),
    };
    messages.push(message);
    byId.set(id, message);
    return answer(202, { id, providerId: message.providerId, status: 'accepted' });
  }, options);

  return {
    url: server.url,
    port: server.port,
    messages,
    rules,
    failNext(count, status = 503) {
      failures = count;
      failStatus = status;
    },
    statusOf,
    close: () => server.close(),
  };
}
