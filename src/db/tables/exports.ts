// Exports and «Выгрузки» settings (migration 0028_exports; expiry 0052_export_retention).
import type { Selectable } from 'kysely';
import type { Defaulted, Int8, Jsonb, JsonObject, Timestamptz } from '../column-types.js';

export const EXPORT_SCHEDULES = ['shift_closed', 'daily', 'monthly'] as const;
export const EXPORT_CONTENTS = ['receipts', 'receipt_items', 'shift_summary'] as const;
export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export const EXPORT_STATUSES = ['queued', 'running', 'done', 'failed', 'expired'] as const;
export type ExportContent = (typeof EXPORT_CONTENTS)[number];
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportSettingsTable {
  id: Defaulted<Int8>;
  organization_id: Int8;
  schedule: (typeof EXPORT_SCHEDULES)[number];
  register_ids: number[] | null;
  content: 'receipt_items' | 'shift_summary';
  format: ExportFormat;
  emails: Defaulted<string[]>;
  enabled: Defaulted<boolean>;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}

export interface ExportJobsTable {
  id: Defaulted<Int8>;
  organization_id: Int8;
  setting_id: Int8 | null;
  period_key: string | null;
  content: ExportContent;
  format: ExportFormat;
  filters: Defaulted<Jsonb<JsonObject>>;
  title: string;
  status: Defaulted<(typeof EXPORT_STATUSES)[number]>;
  rows_total: Int8 | null;
  rows_done: Defaulted<Int8>;
  byte_size: Int8 | null;
  file_name: string | null;
  attempts: Defaulted<number>;
  lease_until: Timestamptz | null;
  error: string | null;
  emails: Defaulted<string[]>;
  email_status: Defaulted<'none' | 'pending' | 'sent' | 'failed'>;
  requested_by: Int8 | null;
  created_at: Defaulted<Timestamptz>;
  started_at: Timestamptz | null;
  finished_at: Timestamptz | null;
}

export interface ExportChunksTable {
  export_id: Int8;
  seq: number;
  data: Buffer;
}

export type ExportJob = Selectable<ExportJobsTable>;
export type ExportSetting = Selectable<ExportSettingsTable>;
