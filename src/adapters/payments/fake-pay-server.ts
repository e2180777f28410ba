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
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request } from 'undici';

export interface FakePayment {
  id: string;
  status: 'pending' | 'succeeded' | 'declined';
  amount: number;
  refundedAmount: number;
  orderId: string;
  description: string;
  returnUrl: string;
  confirmationUrl: string;
}

export interface FakeRefund {
  id: string;
  paymentId: string;
  amount: number;
  reference: string;
  status: 'succeeded';
}

export interface FakeEvent {
  eventId: string;
  event: 'payment.succeeded' | 'payment.declined' | 'refund.succeeded';
  body: string;
  deliveries: number[];
}

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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startFakePay(options: FakePayOptions): Promise<FakePay> {
  const payments = new Map<string, FakePayment>();
  const byKey = new Map<string, unknown>();
  const events: FakeEvent[] = [];
  let holding = false;
  let autoOutcome: 'succeeded' | 'declined' | undefined;
  const held: FakeEvent[] = [];
  let base = '';
  let webhookUrl = options.webhookUrl;

  async function deliver(e: FakeEvent): Promise<void> {
    if (!webhookUrl) return;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const r = await request(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-signature': signWebhook(options.secret, e.body) },
          body: e.body,
          headersTimeout: 5000,
          bodyTimeout: 5000,
        });
        await r.body.dump();
        e.deliveries.push(r.statusCode);
        if (r.statusCode < 300) return;
      } catch {
        e.deliveries.push(0);
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }

  /** Each emitted event's first delivery, so auto-settled payments can be answered only after their callback. */
  const firstDelivery = new Map<string, Promise<void>>();

  function emit(event: FakeEvent['event'], payment: FakePayment, refund?: FakeRefund): FakeEvent {
    const eventId = randomUUID();
    const { id, status, amount, refundedAmount, orderId } = payment;
    const body = JSON.stringify({ eventId, event, payment: { id, status, amount, refundedAmount, orderId }, ...(refund ? { refund } : {}) });
    const e: FakeEvent = { eventId, event, body, deliveries: [] };
    events.push(e);
    if (holding) held.push(e);
    else firstDelivery.set(eventId, deliver(e));
    return e;
  }

  async function settle(id: string, outcome: 'succeeded' | 'declined'): Promise<FakeEvent | undefined> {
    const p = payments.get(id);
    if (!p || p.status !== 'pending') return undefined;
    p.status = outcome;
    return emit(outcome === 'succeeded' ? 'payment.succeeded' : 'payment.declined', p);
  }

  /** Idempotence-Key: the same key answers the first response. */
  function once<T>(req: IncomingMessage, make: () => T): T {
    const key = req.headers['idempotence-key'];
    if (typeof key !== 'string' || key === '') return make();
    if (!byKey.has(key)) byKey.set(key, make());
    return byKey.get(key) as T;
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.headers.authorization !== `Bearer ${options.secret}`) return send(res, 401, { code: 'UNAUTHORIZED', message: 'bad API key' });
    const parts = url.pathname.split('/').filter(Boolean); // v1 payments :id refunds
    if (req.method === 'POST' && parts.length === 2) {
      const b = JSON.parse((await readBody(req)) || '{}') as Partial<FakePayment>;
      if (!Number.isSafeInteger(b.amount) || (b.amount ?? 0) <= 0 || typeof b.orderId !== 'string') {
        return send(res, 400, { code: 'INVALID_REQUEST', message: 'amount (kopecks) and orderId are required' });
      }
      const p = once(req, () => {
        const id = randomUUID();
        const created: FakePayment = { id, status: 'pending', amount: b.amount!, refundedAmount: 0, orderId: b.orderId!, description: String(b.description ?? ''), returnUrl: String(b.returnUrl ?? ''), confirmationUrl: `${base}/pay/${id}` };
        payments.set(id, created);
        return created;
      });
      if (autoOutcome !== undefined && p.status === 'pending') {
        // The callback overtakes the answer: it is delivered before the create call returns.
        const e = await settle(p.id, autoOutcome);
        if (e) await firstDelivery.get(e.eventId);
      }
      return send(res, 201, p);
    }
    const p = payments.get(parts[2] ?? '');
    if (!p) return send(res, 404, { code: 'NOT_FOUND', message: 'no such payment' });
    if (req.method === 'GET' && parts.length === 3) return send(res, 200, p);
    if (req.method === 'POST' && parts[3] === 'refunds') {
      const b = JSON.parse((await readBody(req)) || '{}') as { amount?: number; reference?: string };
      const result = once(req, () => {
        const amount = b.amount ?? 0;
        if (p.status !== 'succeeded' || !Number.isSafeInteger(amount) || amount <= 0 || amount > p.amount - p.refundedAmount) {
          return { status: 400, body: { code: 'REFUND_REFUSED', message: 'payment not succeeded, or the amount exceeds what is left' } };
        }
        p.refundedAmount += amount;
        const refund: FakeRefund = { id: randomUUID(), paymentId: p.id, amount, reference: String(b.reference ?? ''), status: 'succeeded' };
        emit('refund.succeeded', p, refund);
        return { status: 201, body: refund };
      });
      return send(res, result.status, result.body);
    }
    return send(res, 404, { code: 'NOT_FOUND', message: 'no such endpoint' });
  }

  async function page(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const p = payments.get(id);
    if (!p) return send(res, 404, { code: 'NOT_FOUND', message: 'no such payment' });
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><meta charset="utf-8"><title>Оплата</title><h1>Оплата ${(p.amount / 100).toFixed(2)} ₽</h1>
<p>${escapeHtml(p.description)}</p><form method="post"><button name="outcome" value="succeeded">Оплатить</button>
<button name="outcome" value="declined">Отклонить</button></form>`);
      return;
    }
    const raw = await readBody(req);
    const outcome = raw.startsWith('{') ? (JSON.parse(raw) as { outcome?: string }).outcome : new URLSearchParams(raw).get('outcome');
    if (outcome !== 'succeeded' && outcome !== 'declined') return send(res, 400, { code: 'INVALID_REQUEST', message: 'outcome must be succeeded or declined' });
    await settle(id, outcome);
    res.writeHead(303, { location: p.returnUrl || '/' });
    res.end();
  }

  async function control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/_control/events') return send(res, 200, { items: events.map(({ eventId, event, deliveries }) => ({ eventId, event, deliveries })) });
    if (url.pathname === '/_control/auto') {
      const outcome = (JSON.parse((await readBody(req)) || '{}') as { outcome?: string }).outcome;
      autoOutcome = outcome === 'succeeded' || outcome === 'declined' ? outcome : undefined;
      return send(res, 200, { auto: autoOutcome ?? null });
    }
    if (url.pathname === '/_control/hold') {
      holding = true;
      return send(res, 200, { holding });
    }
    if (url.pathname === '/_control/release') {
      const order = (JSON.parse((await readBody(req)) || '{}') as { order?: string }).order;
      holding = false;
      const batch = held.splice(0, held.length);
      if (order === 'reverse') batch.reverse();
      for (const e of batch) await deliver(e);
      return send(res, 200, { released: batch.map((e) => e.eventId) });
    }
    const resend = /^\/_control\/resend\/([\w-]+)$/.exec(url.pathname);
    const e = resend ? events.find((x) => x.eventId === resend[1]) : undefined;
    if (!e) return send(res, 404, { code: 'NOT_FOUND', message: 'no such event or control' });
    await deliver(e);
    return send(res, 200, { eventId: e.eventId, deliveries: e.deliveries });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const work = url.pathname.startsWith('/v1/payments')
      ? api(req, res, url)
      : url.pathname.startsWith('/pay/')
        ? page(req, res, url.pathname.slice('/pay/'.length))
        : url.pathname.startsWith('/_control/')
          ? control(req, res, url)
          : Promise.resolve(send(res, 404, { code: 'NOT_FOUND', message: 'no such endpoint' }));
    work.catch((e: unknown) => {
      if (!res.headersSent) send(res, 400, { code: 'INVALID_REQUEST', message: (e as Error).message });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  base = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url: base,
    port,
    payments,
    events,
    settle,
    setWebhookUrl: (url) => {
      webhookUrl = url;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
