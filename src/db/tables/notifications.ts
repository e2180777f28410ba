// Condition notifications (migrations 0011 and 0012): per-organization rules, what is armed (notification_log), the
// history of firings (notification_events) and the e-mails each firing queues (notification_emails).
import type { GeneratedAlways, Selectable } from 'kysely';
import type { Defaulted, Int8, Jsonb, JsonObject, Timestamptz } from '../column-types.js';

export interface NotificationRulesTable {
  organization_id: Int8;
  disabled_kinds: Defaulted<string[]>;
  /** Null: the default threshold. */
  silent_after_hours: number | null;
  updated_at: Defaulted<Timestamptz>;
}
export type NotificationRulesRow = Selectable<NotificationRulesTable>;

/** A condition that fired and has not cleared yet: one row per (organization, kind, subject, threshold). */
export interface NotificationLogTable {
  organization_id: Int8;
  kind: string;
  subject: string;
  threshold: Defaulted<string>;
  fired_at: Defaulted<Timestamptz>;
}

export interface NotificationEventsTable {
  id: GeneratedAlways<number>;
  organization_id: Int8;
  kind: string;
  subject: string;
  threshold: Defaulted<string>;
  data: Defaulted<Jsonb<JsonObject>>;
  fired_at: Timestamptz;
}

export const NOTIFICATION_EMAIL_STATUSES = ['pending', 'sending', 'delivered', 'retrying', 'failed'] as const;
export type NotificationEmailStatus = (typeof NOTIFICATION_EMAIL_STATUSES)[number];

export interface NotificationEmailsTable {
  id: GeneratedAlways<number>;
  event_id: Int8;
  recipient: string;
  mail_subject: string;
  mail_text: string;
  status: NotificationEmailStatus;
  attempts: Defaulted<number>;
  next_attempt_at: Defaulted<Timestamptz>;
  lease_until: Timestamptz | null;
  last_error_code: string | null;
  last_error: string | null;
  delivered_at: Timestamptz | null;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
