// E-receipt deliveries (migration 0010_notify) and the short links of SMS and Viber receipts (migration 0046).
import type { Selectable } from 'kysely';
import type { Defaulted, Int8, Timestamptz } from '../column-types.js';

export const RECEIPT_CHANNELS = ['email', 'sms', 'viber'] as const;
export type ReceiptChannel = (typeof RECEIPT_CHANNELS)[number];
export const NOTIFY_DELIVERY_STATUSES = ['pending', 'queued', 'sending', 'delivered', 'retrying', 'failed', 'no_balance', 'no_recipient', 'fallback_sms'] as const;
export type NotifyDeliveryStatus = (typeof NOTIFY_DELIVERY_STATUSES)[number];

export interface NotifyDeliveriesTable {
  fn: string;
  fd: Int8;
  channel: ReceiptChannel;
  recipient: string;
  organization_id: Int8 | null;
  status: NotifyDeliveryStatus;
  attempts: Defaulted<number>;
  resends: Defaulted<number>;
  last_error_code: string | null;
  last_error: string | null;
  delivered_at: Timestamptz | null;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
  /** The ledger key of the message the last Viber send charged (migration 0071); null otherwise. */
  charge_key: Defaulted<string | null>;
}
export type NotifyDeliveryRow = Selectable<NotifyDeliveriesTable>;

export interface ShortLinksTable {
  code: string;
  organization_id: Int8 | null;
  fn: string;
  fd: Int8;
  /** A path on OFD_PUBLIC_URL. */
  target: string;
  created_at: Defaulted<Timestamptz>;
  expires_at: Timestamptz;
  revoked_at: Timestamptz | null;
  opens: Defaulted<number>;
  last_opened_at: Timestamptz | null;
}
export type ShortLinkRow = Selectable<ShortLinksTable>;
