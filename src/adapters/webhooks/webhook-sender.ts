/**
 * The webhook port: POSTs one signed JSON body to a subscriber's URL. The HTTP adapter uses undici with timeouts and no
 * redirects (a 3xx is a failure); any 2xx is a delivery, anything else (or no answer) a failure the caller retries with
 * backoff. Targets are checked against the target policy at connect time (target-policy.ts). The subscriber's answer
 * body is never kept or shown: the result carries the status code and a short classification only, so a webhook cannot
 * be used to read an internal service's answers.
 */
import net from 'node:net';
import { Agent, request } from 'undici';
import { assertAllowedAddress, ForbiddenTargetError, guardedLookup, hostOf, type TargetPolicy } from './target-policy.js';
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

function classifyStatus(status: number): string {
  if (status >= 300 && status < 400) return 'redirect (not followed)';
  if (status >= 400 && status < 500) return 'client error';
  return 'server error';
}

/** A short, fixed classification of a failure to connect: never the peer's words or internal addresses. */
function classifyFailure(e: unknown): string {
  if (e instanceof ForbiddenTargetError) return `refused: ${e.message}`;
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof ForbiddenTargetError) return `refused: ${cause.message}`;
  const code = String((e as { code?: unknown }).code ?? (cause as { code?: unknown } | undefined)?.code ?? '');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (/TIMEOUT/i.test(code) || (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError') return 'timed out';
  if (/CERT|TLS|SSL/i.test(code)) return 'TLS error';
  return 'connection failed';
}

export interface HttpWebhookSenderOptions {
  timeoutMs?: number;
  userAgent?: string;
  /** Internal targets the operator allows (OFD_WEBHOOK_ALLOW_HOSTS); everything internal is refused otherwise. */
  policy?: TargetPolicy;
}

export function createHttpWebhookSender(options: HttpWebhookSenderOptions = {}): WebhookSender {
  const timeout = options.timeoutMs ?? 10_000;
  const policy = options.policy ?? { allowHosts: [] };
  // Names are checked on the addresses the socket connects to (no rebinding window); undici never follows redirects here.
  const agent = new Agent({ headersTimeout: timeout, bodyTimeout: timeout, connections: 8, connect: { lookup: guardedLookup(policy) } });
  return {
    async send(req) {
      const signature = signWebhook(req.secret, req.body, Math.floor(Date.now() / 1000));
      try {
        // An IP literal is connected to without a lookup: check it here.
        const url = new URL(req.url);
        const host = hostOf(url);
        if (net.isIP(host) !== 0) assertAllowedAddress(policy, host, host);
        const res = await request(url, {
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
        // Drained, never read into the result.
        await res.body.dump().catch(() => undefined);
        if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, statusCode: res.statusCode };
        return { ok: false, statusCode: res.statusCode, error: `HTTP ${res.statusCode} (${classifyStatus(res.statusCode)})` };
      } catch (e) {
        return { ok: false, statusCode: null, error: classifyFailure(e) };
      }
    },
    async close() {
      await agent.close();
    },
  };
}
