// KKT registration applications and their history (migration 0040), certificate identities and sign-in challenges
// (migration 0041).
import type { GeneratedAlways, Selectable } from 'kysely';
import type { Defaulted, Int8, Jsonb, JsonObject, Timestamptz } from '../column-types.js';

export const KKT_APPLICATION_STATUSES = ['draft', 'signed', 'sent', 'accepted', 'rnm_assigned', 'refused', 'report_received', 'completed'] as const;
export type KktApplicationStatus = (typeof KKT_APPLICATION_STATUSES)[number];

export interface KktApplicationsTable {
  id: GeneratedAlways<number>;
  organization_id: Int8;
  kind: 'registration' | 'reregistration' | 'deregistration';
  status: Defaulted<KktApplicationStatus>;
  input: Jsonb<JsonObject>;
  kkt_serial: string;
  fn_serial: string;
  xml: string;
  file_id: string;
  signature: Buffer | null;
  signer: Jsonb<JsonObject> | null;
  signed_at: Timestamptz | null;
  fns_application_id: string | null;
  kkt_reg_id: string | null;
  refusal: Jsonb<JsonObject> | null;
  report: Jsonb<JsonObject> | null;
  mismatch: Jsonb<JsonObject> | null;
  created_by_user_id: Int8 | null;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type KktApplication = Selectable<KktApplicationsTable>;

export interface KktApplicationEventsTable {
  id: GeneratedAlways<number>;
  application_id: Int8;
  status: string;
  message: string;
  data: Jsonb<JsonObject> | null;
  created_at: Defaulted<Timestamptz>;
}
export type KktApplicationEvent = Selectable<KktApplicationEventsTable>;

export interface UserCertificateIdentitiesTable {
  id: GeneratedAlways<number>;
  user_id: Int8;
  kind: 'snils' | 'inn';
  value: string;
  created_at: Defaulted<Timestamptz>;
}

export interface SignatureChallengesTable {
  nonce_hash: string;
  expires_at: Timestamptz;
  used_at: Timestamptz | null;
  created_at: Defaulted<Timestamptz>;
}
