// Webhook subscriptions, the delivery log (an outbox the notify worker sends from) and the event scan (migration 0010).
import type { GeneratedAlways, Selectable } from 'kysely';
import type { Defaulted, Int8, Jsonb, JsonObject, Timestamptz } from '../column-types.js';

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'retrying', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export interface WebhookSubscriptionsTable {
  id: GeneratedAlways<number>;
  organization_id: Int8;
  url: string;
  events: string[];
  secret: string;
  description: string | null;
  active: Defaulted<boolean>;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type WebhookSubscriptionRow = Selectable<WebhookSubscriptionsTable>;

export interface WebhookDeliveriesTable {
  id: GeneratedAlways<number>;
  subscription_id: Int8;
  organization_id: Int8;
  event: string;
  event_id: string;
  payload: Jsonb<JsonObject>;
  status: WebhookDeliveryStatus;
  attempts: Defaulted<number>;
  next_attempt_at: Defaulted<Timestamptz>;
  lease_until: Timestamptz | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Timestamptz | null;
  replays: Defaulted<number>;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;

export interface WebhookScanStateTable {
  name: string;
  scanned_to: Timestamptz;
}
