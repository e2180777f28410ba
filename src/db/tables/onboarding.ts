// Self-service onboarding (migrations 0031–0033, issue 16): organization profiles, the versioned offer and its
// acceptances, INN claims, the action log, invitations, membership limits, prepared registers and their imports.
import type { GeneratedAlways, Selectable } from 'kysely';
import type { Defaulted, Int8, Jsonb, JsonObject, Timestamptz } from '../column-types.js';
import type { MembershipRole } from './api-access.js';

export interface OrganizationProfilesTable {
  organization_id: Int8;
  head_name: string;
  head_title: string;
  tax_systems: string[];
  created_by_user_id: Int8 | null;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type OrganizationProfile = Selectable<OrganizationProfilesTable>;

export interface OfferVersionsTable {
  version: string;
  title: string;
  body: string;
  published_at: Defaulted<Timestamptz>;
}
export type OfferVersion = Selectable<OfferVersionsTable>;

export interface OfferAcceptancesTable {
  id: GeneratedAlways<number>;
  organization_id: Int8;
  offer_version: string;
  user_id: Int8 | null;
  user_email: string;
  ip: string;
  user_agent: string;
  accepted_at: Defaulted<Timestamptz>;
}
export type OfferAcceptance = Selectable<OfferAcceptancesTable>;

export const innClaimStatuses = ['pending', 'approved', 'rejected', 'withdrawn'] as const;
export type InnClaimStatus = (typeof innClaimStatuses)[number];

export interface InnClaimsTable {
  id: GeneratedAlways<number>;
  organization_id: Int8;
  claimant_user_id: Int8;
  status: Defaulted<InnClaimStatus>;
  comment: string | null;
  decided_by_user_id: Int8 | null;
  decided_by_operator: Defaulted<boolean>;
  decided_at: Timestamptz | null;
  created_at: Defaulted<Timestamptz>;
}
export type InnClaim = Selectable<InnClaimsTable>;

export interface AuditLogTable {
  id: GeneratedAlways<number>;
  organization_id: Int8 | null;
  actor_kind: 'user' | 'operator' | 'apiKey' | 'system';
  actor_user_id: Int8 | null;
  actor_email: string | null;
  actor_api_key_id: Int8 | null;
  action: string;
  target: string | null;
  details: Defaulted<Jsonb<JsonObject>>;
  ip: string | null;
  user_agent: string | null;
  created_at: Defaulted<Timestamptz>;
}
export type AuditLogRow = Selectable<AuditLogTable>;

export interface InvitationsTable {
  id: GeneratedAlways<number>;
  organization_id: Int8;
  email: string;
  role: MembershipRole;
  /** int8[]: node-postgres reads it as strings. */
  outlet_ids: Defaulted<string[]>;
  register_ids: Defaulted<string[]>;
  token_hash: string;
  invited_by_user_id: Int8 | null;
  expires_at: Timestamptz;
  accepted_at: Timestamptz | null;
  accepted_by_user_id: Int8 | null;
  revoked_at: Timestamptz | null;
  created_at: Defaulted<Timestamptz>;
}
export type Invitation = Selectable<InvitationsTable>;

export interface MembershipLimitsTable {
  organization_id: Int8;
  user_id: Int8;
  outlet_ids: Defaulted<string[]>;
  register_ids: Defaulted<string[]>;
  updated_at: Defaulted<Timestamptz>;
}

export const preparedRegisterStages = ['added', 'awaiting_registration'] as const;
export type PreparedRegisterStage = (typeof preparedRegisterStages)[number];

export interface PreparedRegistersTable {
  id: GeneratedAlways<number>;
  organization_id: Int8;
  outlet_id: Int8 | null;
  serial_number: string;
  fn: string;
  partner_code: string | null;
  stage: Defaulted<PreparedRegisterStage>;
  register_id: Int8 | null;
  matched_at: Timestamptz | null;
  conflict: string | null;
  conflict_at: Timestamptz | null;
  import_id: Int8 | null;
  created_by_user_id: Int8 | null;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type PreparedRegister = Selectable<PreparedRegistersTable>;

export interface RegisterImportsTable {
  id: GeneratedAlways<number>;
  organization_id: Int8;
  user_id: Int8 | null;
  file_name: string | null;
  mode: 'all_or_nothing' | 'valid_rows';
  rows_total: number;
  rows_invalid: number;
  rows_imported: number;
  rows_existing: number;
  errors: Jsonb<Array<{ row: number; column: string; field: string; message: string }>>;
  created_at: Defaulted<Timestamptz>;
}
export type RegisterImport = Selectable<RegisterImportsTable>;
