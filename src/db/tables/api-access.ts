// Access to the cabinet API (migration 0007_api_access): users, e-mail tokens, memberships, API keys, and the
// organization details customers keep.
import type { GeneratedAlways, Insertable, Selectable, Updateable } from 'kysely';
import type { Defaulted, Int8, Timestamptz } from '../column-types.js';

export const userStatuses = ['pending', 'active', 'disabled'] as const;
/** pending: signed up, e-mail not confirmed yet; active: may log in; disabled: by ops. */
export type UserStatus = (typeof userStatuses)[number];

export interface UsersTable {
  id: GeneratedAlways<number>;
  /** Lower-cased. */
  email: string;
  /** argon2id PHC string. */
  password_hash: string;
  status: Defaulted<UserStatus>;
  /** Carried by session tokens; bumped to end every session (password reset). */
  token_version: Defaulted<number>;
  email_confirmed_at: Timestamptz | null;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;

export const userTokenPurposes = ['confirm_email', 'reset_password'] as const;
export type UserTokenPurpose = (typeof userTokenPurposes)[number];

export interface UserTokensTable {
  id: GeneratedAlways<number>;
  user_id: Int8;
  purpose: UserTokenPurpose;
  /** SHA-256 of the token, hex. */
  token_hash: string;
  expires_at: Timestamptz;
  used_at: Timestamptz | null;
  created_at: Defaulted<Timestamptz>;
}
export type UserToken = Selectable<UserTokensTable>;

export const membershipRoles = ['owner', 'admin', 'accountant', 'viewer'] as const;
export type MembershipRole = (typeof membershipRoles)[number];

export interface MembershipsTable {
  organization_id: Int8;
  user_id: Int8;
  role: MembershipRole;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type Membership = Selectable<MembershipsTable>;

/** What customers keep about an organization beyond its INN and name (organizations itself is the worker's). */
export interface OrganizationDetailsTable {
  organization_id: Int8;
  /** КПП, 9 characters. */
  kpp: string | null;
  /** ОГРН (13 digits) or ОГРНИП (15). */
  ogrn: string | null;
  legal_address: string | null;
  postal_address: string | null;
  vat_payer: boolean | null;
  /** The e-document (ЭДО) operator the organization uses. */
  edo_operator: string | null;
  updated_at: Defaulted<Timestamptz>;
}
export type OrganizationDetailsRow = Selectable<OrganizationDetailsTable>;

export interface ApiKeysTable {
  id: GeneratedAlways<number>;
  organization_id: Int8;
  name: string;
  /** Public part of the key: `ofd_<prefix>_…`. */
  prefix: string;
  /** SHA-256 of the whole key, hex. */
  key_hash: string;
  scopes: string[];
  created_by_user_id: Int8 | null;
  created_at: Defaulted<Timestamptz>;
  last_used_at: Timestamptz | null;
  revoked_at: Timestamptz | null;
}
export type ApiKey = Selectable<ApiKeysTable>;
