// Browser sessions of the web cabinet (issue 14) and what sign-up asks beyond e-mail and password.
//
// user_sessions: the cabinet signs in with an httpOnly cookie holding a random opaque token; only its SHA-256 is stored,
// so a database leak does not hand out sessions, and sign-out revokes one session server-side (a JWT could not be
// revoked without bumping users.token_version, which would end every other session of the user too). The CSRF token
// (synchronizer pattern) is per session and is sent back by the cabinet in a header on state-changing requests.
//
// user_profiles: tables of their own rather than columns on users (see 0013: a column added and dropped by ALTER
// would not come back at the same position in the up → down → up test).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table user_sessions (
      id bigint generated always as identity primary key,
      user_id bigint not null references users (id) on delete cascade,
      token_hash text not null unique,
      csrf_token text not null,
      -- users.token_version when the session began: a password reset (which bumps it) ends cookie sessions too.
      token_version integer not null,
      user_agent text,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz
    )
  `.execute(db);
  await sql`create index user_sessions_user_idx on user_sessions (user_id) where revoked_at is null`.execute(db);
  await sql`
    create table user_profiles (
      user_id bigint primary key references users (id) on delete cascade,
      full_name text,
      phone text,
      -- When the user accepted the offer (публичная оферта) at sign-up; null for users created through the bare API.
      offer_accepted_at timestamptz,
      updated_at timestamptz not null default now()
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists user_profiles`.execute(db);
  await sql`drop table if exists user_sessions`.execute(db);
}
