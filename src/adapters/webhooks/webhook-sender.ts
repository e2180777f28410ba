/**
 * The webhook port: POSTs one signed JSON body to a subscriber's URL. The HTTP adapter uses undici with timeouts and no
 * redirects; any 2xx is a delivery, anything else (or no answer) a failure the caller retries with backoff.
 */
import { Agent, request } from 'undici';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

export interface WebhookRequest {
  readonly url: string;
  readonly secret: string;
  readonly deliveryId: number;
  readonly event: string;
  /** The exact body sent (and signed). */
  readonly body: string;
}

export type WebhookResult =
  | { readonly ok: true; readonly statusCode: number }
  | { readonly ok: false; readonly statusCode: number | null; readonly error: string };

export interface WebhookSender {
  send(req: WebhookRequest): Promise<WebhookResult>;
  close(): Promise<void>;
}

export function createHttpWebhookSender(options: { timeoutMs?: number; userAgent?: string } = {}): WebhookSender {
  const timeout = options.timeoutMs ?? 10_000;
  const agent = new Agent({ headersTimeout: timeout, bodyTimeout: timeout, connections: 8 });
  return {
    async send(req) {
      const signature = signWebhook(req.secret, req.body, Math.floor(Date.now() / 1000));
      try {
        const res = await request(req.url, {
          method: 'POST',
          dispatcher: agent,
          headers: {
            'content-type': 'application/json',
            'user-agent': options.userAgent ?? 'ofd-gateway-webhooks/1',
            [SIGNATURE_HEADER]: signature,
            [EVENT_HEADER]: req.event,
            [DELIVERY_HEADER]: String(req.deliveryId),
          },
          body: req.body,
          signal: AbortSignal.timeout(timeout),
        });
        const text = await res.body.text().catch(() => '');
        if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, statusCode: res.statusCode };
        return { ok: false, statusCode: res.statusCode, error: `HTTP ${res.statusCode}: ${text.slice(0, 200)}` };
      } catch (e) {
        return { ok: false, statusCode: null, error: (e as Error).message };
      }
    },
    async close() {
      await agent.close();
    },
  };
}
