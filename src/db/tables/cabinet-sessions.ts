// Cabinet browser sessions and user profiles (migration 0025_cabinet_sessions).
import type { GeneratedAlways, Selectable } from 'kysely';
import type { Defaulted, Int8, Timestamptz } from '../column-types.js';

export interface UserSessionsTable {
  id: GeneratedAlways<number>;
  user_id: Int8;
  /** SHA-256 of the cookie's token, hex. */
  token_hash: string;
  /** Sent back by the cabinet in `x-csrf-token` on state-changing requests. */
  csrf_token: string;
  /** users.token_version when the session began. */
  token_version: number;
  user_agent: string | null;
  created_at: Defaulted<Timestamptz>;
  last_seen_at: Defaulted<Timestamptz>;
  expires_at: Timestamptz;
  revoked_at: Timestamptz | null;
}
export type UserSession = Selectable<UserSessionsTable>;

export interface UserProfilesTable {
  user_id: Int8;
  full_name: string | null;
  phone: string | null;
  offer_accepted_at: Timestamptz | null;
  updated_at: Defaulted<Timestamptz>;
}
export type UserProfile = Selectable<UserProfilesTable>;
