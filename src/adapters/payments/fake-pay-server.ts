/**
 * A runnable fake of the card payment provider (contract in payment-provider.ts), for tests and local runs
 * (`ofd fake-pay --port N --webhook-url URL --secret S`). It behaves like the real ones in what matters to us:
 *
 *   POST /v1/payments           create (Idempotence-Key: the same key answers the same payment) → confirmationUrl
 *   GET  /v1/payments/:id       the payment as the provider sees it
 *   GET  /pay/:id               the payment page the buyer is redirected to (two buttons: pay, decline)
 *   POST /pay/:id               `outcome=succeeded|declined` (form or JSON): settles it, sends the webhook, 303 → returnUrl
 *   POST /v1/payments/:id/refunds  refund part or all of a succeeded payment (Idempotence-Key), webhook refund.succeeded
 *
 * Every webhook is `{ eventId, event, payment, refund? }` with `X-Signature: sha256=<hex HMAC-SHA256 of the body>`,
 * retried a few times until answered 2xx. Test controls: `POST /_control/hold` keeps webhooks back, `POST
 * /_control/release` `{ "order": "reverse" }` sends the held ones (in reverse for out-of-order delivery), `POST
 * /_control/resend/:eventId` delivers one again (a duplicate), `POST /_control/auto` `{ "outcome": "succeeded" }` settles
 * new payments at once and delivers their callback before answering the create call, `GET /_control/events` lists
 * what was sent.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dispatch, listenFake, readBody, route, sendError, sendJson } from '../http/fake-server.js';
import { createWebhookOutbox, type FakeEvent, type FakePayment, type FakeRefund, type WebhookOutbox } from './fake-pay-webhooks.js';

export { signWebhook, type FakeEvent, type FakePayment, type FakeRefund } from './fake-pay-webhooks.js';

export interface FakePay {
  readonly url: string;
  readonly port: number;
  readonly payments: Map<string, FakePayment>;
  readonly events: FakeEvent[];
  /** Settles a payment as the buyer would on the payment page. */
  settle(paymentId: string, outcome: 'succeeded' | 'declined'): Promise<FakeEvent | undefined>;
  /** Where webhooks go from now on. */
  setWebhookUrl(url: string): void;
  close(): Promise<void>;
}

export interface FakePayOptions {
  readonly port?: number;
  readonly host?: string;
  /** API key expected as `Authorization: Bearer …`, and the HMAC secret of the webhooks. */
  readonly secret: string;
  /** Where webhooks go (our `POST /api/v1/billing/card-webhook`). */
  readonly webhookUrl?: string;
}

const MAX_BODY = 64 * 1024;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A JSON body (an empty one is `{}`); over 64 KiB the connection is dropped. */
async function jsonBody<T>(req: IncomingMessage): Promise<T> {
  return JSON.parse((await readBody(req, MAX_BODY, true)) || '{}') as T;
}

/** The provider's state: what the handlers read and change. */
interface PayFake {
  readonly secret: string;
  readonly payments: Map<string, FakePayment>;
  /** Idempotence-Key → the first response. */
  readonly byKey: Map<string, unknown>;
  readonly outbox: WebhookOutbox;
  autoOutcome: 'succeeded' | 'declined' | undefined;
  base: string;
}

async function settle(fake: PayFake, id: string, outcome: 'succeeded' | 'declined'): Promise<FakeEvent | undefined> {
  const p = fake.payments.get(id);
  if (!p || p.status !== 'pending') return undefined;
  p.status = outcome;
  return fake.outbox.emit(outcome === 'succeeded' ? 'payment.succeeded' : 'payment.declined', p);
}

/** Idempotence-Key: the same key answers the first response. */
function once<T>(fake: PayFake, req: IncomingMessage, make: () => T): T {
  const key = req.headers['idempotence-key'];
  if (typeof key !== 'string' || key === '') return make();
  if (!fake.byKey.has(key)) fake.byKey.set(key, make());
  return fake.byKey.get(key) as T;
}

/** POST /v1/payments: a pending payment (settled at once, callback first, in auto mode). */
async function createPayment(fake: PayFake, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const b = await jsonBody<Partial<FakePayment>>(req);
  if (!Number.isSafeInteger(b.amount) || (b.amount ?? 0) <= 0 || typeof b.orderId !== 'string') {
    return sendError(res, 400, 'INVALID_REQUEST', 'amount (kopecks) and orderId are required');
  }
  const p = once(fake, req, () => {
    const id = randomUUID();
    const created: FakePayment = { id, status: 'pending', amount: b.amount!, refundedAmount: 0, orderId: b.orderId!, description: String(b.description ?? ''), returnUrl: String(b.returnUrl ?? ''), confirmationUrl: `${fake.base}/pay/${id}` };
    fake.payments.set(id, created);
    return created;
  });
  if (fake.autoOutcome !== undefined && p.status === 'pending') {
    // The callback overtakes the answer: it is delivered before the create call returns.
    const e = await settle(fake, p.id, fake.autoOutcome);
    if (e) await fake.outbox.firstDelivery(e.eventId);
  }
  return sendJson(res, 201, p);
}

/** POST /v1/payments/:id/refunds: part or all of what is left of a succeeded payment. */
async function refund(fake: PayFake, req: IncomingMessage, res: ServerResponse, p: FakePayment): Promise<void> {
  const b = await jsonBody<{ amount?: number; reference?: string }>(req);
  const result = once(fake, req, () => {
    const amount = b.amount ?? 0;
    if (p.status !== 'succeeded' || !Number.isSafeInteger(amount) || amount <= 0 || amount > p.amount - p.refundedAmount) {
      return { status: 400, body: { code: 'REFUND_REFUSED', message: 'payment not succeeded, or the amount exceeds what is left' } };
    }
    p.refundedAmount += amount;
    const made: FakeRefund = { id: randomUUID(), paymentId: p.id, amount, reference: String(b.reference ?? ''), status: 'succeeded' };
    fake.outbox.emit('refund.succeeded', p, made);
    return { status: 201, body: made };
  });
  return sendJson(res, result.status, result.body);
}

async function api(fake: PayFake, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.headers.authorization !== `Bearer ${fake.secret}`) return sendError(res, 401, 'UNAUTHORIZED', 'bad API key');
  const parts = url.pathname.split('/').filter(Boolean); // v1 payments :id refunds
  if (req.method === 'POST' && parts.length === 2) return createPayment(fake, req, res);
  const p = fake.payments.get(parts[2] ?? '');
  if (!p) return sendError(res, 404, 'NOT_FOUND', 'no such payment');
  if (req.method === 'GET' && parts.length === 3) return sendJson(res, 200, p);
  if (req.method === 'POST' && parts[3] === 'refunds') return refund(fake, req, res, p);
  return sendError(res, 404, 'NOT_FOUND', 'no such endpoint');
}

/** GET /pay/:id shows the payment page; POST settles it as the buyer chose and redirects to the shop. */
async function page(fake: PayFake, req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  const p = fake.payments.get(id);
  if (!p) return sendError(res, 404, 'NOT_FOUND', 'no such payment');
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><meta charset="utf-8"><title>Оплата</title><h1>Оплата ${(p.amount / 100).toFixed(2)} ₽</h1>
<p>${escapeHtml(p.description)}</p><form method="post"><button name="outcome" value="succeeded">Оплатить</button>
<button name="outcome" value="declined">Отклонить</button></form>`);
    return;
  }
  const raw = await readBody(req, MAX_BODY, true);
  const outcome = raw.startsWith('{') ? (JSON.parse(raw) as { outcome?: string }).outcome : new URLSearchParams(raw).get('outcome');
  if (outcome !== 'succeeded' && outcome !== 'declined') return sendError(res, 400, 'INVALID_REQUEST', 'outcome must be succeeded or declined');
  await settle(fake, id, outcome);
  res.writeHead(303, { location: p.returnUrl || '/' });
  res.end();
}

type ControlArgs = [fake: PayFake, req: IncomingMessage, res: ServerResponse];

const CONTROL_ROUTES = [
  route<ControlArgs>(undefined, '/_control/events', (_, fake, __, res) =>
    sendJson(res, 200, { items: fake.outbox.events.map(({ eventId, event, deliveries }) => ({ eventId, event, deliveries })) }),
  ),
  route<ControlArgs>(undefined, '/_control/auto', async (_, fake, req, res) => {
    const { outcome } = await jsonBody<{ outcome?: string }>(req);
    fake.autoOutcome = outcome === 'succeeded' || outcome === 'declined' ? outcome : undefined;
    return sendJson(res, 200, { auto: fake.autoOutcome ?? null });
  }),
  route<ControlArgs>(undefined, '/_control/hold', (_, fake, __, res) => sendJson(res, 200, { holding: fake.outbox.hold() })),
  route<ControlArgs>(undefined, '/_control/release', async (_, fake, req, res) => {
    const { order } = await jsonBody<{ order?: string }>(req);
    return sendJson(res, 200, { released: await fake.outbox.release(order) });
  }),
  route<ControlArgs>(undefined, /^\/_control\/resend\/([\w-]+)$/, async ([eventId], fake, __, res) => {
    const e = fake.outbox.events.find((x) => x.eventId === eventId);
    if (!e) return sendError(res, 404, 'NOT_FOUND', 'no such event or control');
    await fake.outbox.deliver(e);
    return sendJson(res, 200, { eventId: e.eventId, deliveries: e.deliveries });
  }),
];

async function control(fake: PayFake, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { matched, result } = dispatch(CONTROL_ROUTES, req.method, url.pathname, fake, req, res);
  if (!matched) return sendError(res, 404, 'NOT_FOUND', 'no such event or control');
  await result;
}

function handle(fake: PayFake, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname.startsWith('/v1/payments')) return api(fake, req, res, url);
  if (url.pathname.startsWith('/pay/')) return page(fake, req, res, url.pathname.slice('/pay/'.length));
  if (url.pathname.startsWith('/_control/')) return control(fake, req, res, url);
  sendError(res, 404, 'NOT_FOUND', 'no such endpoint');
  return Promise.resolve();
}

export async function startFakePay(options: FakePayOptions): Promise<FakePay> {
  const fake: PayFake = { secret: options.secret, payments: new Map(), byKey: new Map(), outbox: createWebhookOutbox(options.secret, options.webhookUrl), autoOutcome: undefined, base: '' };
  const server = createServer((req, res) => {
    handle(fake, req, res).catch((e: unknown) => {
      if (!res.headersSent) sendError(res, 400, 'INVALID_REQUEST', (e as Error).message);
    });
  });
  const listening = await listenFake(server, options);
  fake.base = listening.url;
  return {
    url: listening.url,
    port: listening.port,
    payments: fake.payments,
    events: fake.outbox.events,
    settle: (id, outcome) => settle(fake, id, outcome),
    setWebhookUrl: (url) => fake.outbox.setUrl(url),
    close: () => listening.close(),
  };
}
