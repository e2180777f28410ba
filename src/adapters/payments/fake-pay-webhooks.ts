/**
 * The webhooks of the fake payment provider: every event `{ eventId, event, payment, refund? }` signed with
 * `X-Signature: sha256=<hex HMAC-SHA256 of the body>`, retried a few times until answered 2xx, and the test controls
 * over them (hold, release in either order, resend one).
 */
import { createHmac, randomUUID } from 'node:crypto';
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

export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export type WebhookOutbox = ReturnType<typeof createWebhookOutbox>;

export function createWebhookOutbox(secret: string, webhookUrl: string | undefined) {
  const events: FakeEvent[] = [];
  const held: FakeEvent[] = [];
  let holding = false;
  /** Each emitted event's first delivery, so auto-settled payments can be answered only after their callback. */
  const firstDelivery = new Map<string, Promise<void>>();

  async function deliver(e: FakeEvent): Promise<void> {
    if (!webhookUrl) return;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const r = await request(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-signature': signWebhook(secret, e.body) },
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

  return {
    events,
    deliver,
    firstDelivery: (eventId: string) => firstDelivery.get(eventId),
    emit(event: FakeEvent['event'], payment: FakePayment, refund?: FakeRefund): FakeEvent {
      const eventId = randomUUID();
      const { id, status, amount, refundedAmount, orderId } = payment;
      const body = JSON.stringify({ eventId, event, payment: { id, status, amount, refundedAmount, orderId }, ...(refund ? { refund } : {}) });
      const e: FakeEvent = { eventId, event, body, deliveries: [] };
      events.push(e);
      if (holding) held.push(e);
      else firstDelivery.set(eventId, deliver(e));
      return e;
    },
    hold(): boolean {
      holding = true;
      return holding;
    },
    /** Stops holding and delivers the held events, in reverse when asked. */
    async release(order: string | undefined): Promise<string[]> {
      holding = false;
      const batch = held.splice(0, held.length);
      if (order === 'reverse') batch.reverse();
      for (const e of batch) await deliver(e);
      return batch.map((e) => e.eventId);
    },
    setUrl(url: string): void {
      webhookUrl = url;
    },
  };
}
