// Tables of the API hardening (migrations 0022, 0023): whose documents a register carries, and the e-receipt send log.
import type { GeneratedAlways, Selectable } from 'kysely';
import type { Defaulted, Int8, Timestamptz } from '../column-types.js';

export interface RegisterDocumentOwnersTable {
  register_id: Int8;
  /** The organization of the INN (1018) the register's documents carry. */
  organization_id: Int8;
  updated_at: Defaulted<Timestamptz>;
}

export const deliveryLogEvents = ['requested', 'superseded'] as const;
export type DeliveryLogEvent = (typeof deliveryLogEvents)[number];

export interface ReceiptDeliveryLogTable {
  id: GeneratedAlways<number>;
  fn: string;
  fd: Int8;
  channel: string;
  event: DeliveryLogEvent;
  recipient: string;
  status: string | null;
  attempts: number | null;
  delivered_at: Timestamptz | null;
  last_error_code: string | null;
  organization_id: Int8 | null;
  requested_by: string | null;
  recorded_at: Defaulted<Timestamptz>;
}
export type ReceiptDeliveryLogRow = Selectable<ReceiptDeliveryLogTable>;
