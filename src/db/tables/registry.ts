// Registry tables (migration 0001, fd_gaps in 0003): derived from documents by the persist worker.
import type { Generated, GeneratedAlways, Insertable, Selectable, Updateable } from 'kysely';
import type { Defaulted, Int8, Jsonb, JsonObject, LocalDateTime, Timestamptz } from '../column-types.js';

export interface OrganizationsTable {
  id: GeneratedAlways<number>;
  /** 1018 userInn, 10 or 12 digits (a check constraint refuses anything else). */
  inn: string;
  name: string | null;
  /** 1012 of the registration report the name was last taken from (migration 0069); null: not from a report. */
  name_reported_at: LocalDateTime | null;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type Organization = Selectable<OrganizationsTable>;
export type NewOrganization = Insertable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;

export interface OutletsTable {
  id: GeneratedAlways<number>;
  organization_id: Int8;
  /** 1009 retailPlaceAddress; '' when absent. Unique with organization_id and place. */
  address: Generated<string>;
  /** 1187 retailPlace; '' when absent. */
  place: Generated<string>;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type Outlet = Selectable<OutletsTable>;
export type NewOutlet = Insertable<OutletsTable>;
export type OutletUpdate = Updateable<OutletsTable>;

export const registerStatuses = ['unknown', 'active', 'fn_closed', 'deregistered'] as const;
export type RegisterStatus = (typeof registerStatuses)[number];

export interface RegistersTable {
  id: GeneratedAlways<number>;
  /** 1037 kktRegId, trimmed. Unique. */
  registration_number: string;
  serial_number: string | null;
  organization_id: Int8 | null;
  outlet_id: Int8 | null;
  ffd_version: number | null;
  kkt_version: string | null;
  machine_number: string | null;
  taxation_types: number | null;
  usage_conditions: Int8 | null;
  auto_mode: boolean | null;
  offline_mode: boolean | null;
  encryption_sign: boolean | null;
  internet_sign: boolean | null;
  status: Generated<RegisterStatus>;
  registered_at: LocalDateTime | null;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type Register = Selectable<RegistersTable>;
export type NewRegister = Insertable<RegistersTable>;
export type RegisterUpdate = Updateable<RegistersTable>;

export interface FiscalDrivesTable {
  fn: string;
  register_id: Int8 | null;
  ffd_version: number | null;
  registered_at: LocalDateTime | null;
  registration_fd: Int8 | null;
  validity_months: number | null;
  key_resource_days: number | null;
  key_resource_reported_at: LocalDateTime | null;
  /** Lowest and highest FD received; maintained by ofd_record_document_number(). */
  first_fd: Int8 | null;
  last_fd: Int8 | null;
  last_document_at: LocalDateTime | null;
  exhaustion_sign: boolean | null;
  replace_required_sign: boolean | null;
  memory_exceeded_sign: boolean | null;
  not_transmitted_count: Int8 | null;
  not_transmitted_since: LocalDateTime | null;
  closed_at: LocalDateTime | null;
  closed_fd: Int8 | null;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type FiscalDrive = Selectable<FiscalDrivesTable>;
export type NewFiscalDrive = Insertable<FiscalDrivesTable>;
export type FiscalDriveUpdate = Updateable<FiscalDrivesTable>;

export interface ShiftsTable {
  fn: string;
  shift_number: Int8;
  register_id: Int8 | null;
  opened_at: LocalDateTime | null;
  open_fd: Int8 | null;
  closed_at: LocalDateTime | null;
  close_fd: Int8 | null;
  receipts_quantity: Int8 | null;
  documents_quantity: Int8 | null;
  not_transmitted_count: Int8 | null;
  /** 1194 shiftSumReports and 1157 fiscalDriveSumReports of the closing report, as FNS JSON. */
  closing_counters: Jsonb<JsonObject> | null;
  received_receipts: Generated<number>;
  sell_total_sum: Defaulted<Int8>;
  sell_return_total_sum: Defaulted<Int8>;
  buy_total_sum: Defaulted<Int8>;
  buy_return_total_sum: Defaulted<Int8>;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type Shift = Selectable<ShiftsTable>;
export type NewShift = Insertable<ShiftsTable>;
export type ShiftUpdate = Updateable<ShiftsTable>;

export interface FdGapsTable {
  fn: string;
  /** Inclusive range of FD numbers not received. */
  from_fd: Int8;
  to_fd: Int8;
  detected_at: Defaulted<Timestamptz>;
}
export type FdGap = Selectable<FdGapsTable>;
