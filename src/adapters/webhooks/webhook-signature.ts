/**
 * Webhook signatures: every body is signed with the subscription's secret, HMAC-SHA256 over `<timestamp>.<body>`,
 * sent as `X-OFD-Signature: t=<unix seconds>,v1=<hex>`. Receivers recompute the HMAC over the raw body, compare in
 * constant time, and refuse timestamps too far from their clock (replays).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-ofd-signature';
export const EVENT_HEADER = 'x-ofd-event';
export const DELIVERY_HEADER = 'x-ofd-delivery';

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** Checks a signature header; `toleranceSeconds` bounds the timestamp's distance from `nowSeconds`. */
export function verifyWebhook(secret: string, body: string, header: string, nowSeconds = Math.floor(Date.now() / 1000), toleranceSeconds = 300): boolean {
  const parts = new Map(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || v1 === undefined || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return timingSafeEqual(expected, Buffer.from(v1));
}
