// Sign-in with an electronic signature (issue 18): the identities a certificate maps to a user by (СНИЛС of the person,
// or the 12-digit ИНН of an organization's head or an entrepreneur), and the single-use challenges the browser signs.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table user_certificate_identities (
      id bigint generated always as identity primary key,
      user_id bigint not null references users (id) on delete cascade,
      kind text not null check (kind in ('snils', 'inn')),
      value text not null,
      created_at timestamptz not null default now(),
      unique (kind, value)
    )
  `.execute(db);
  await sql`
    create table signature_challenges (
      -- the nonce itself is never stored: its SHA-256 (hex)
      nonce_hash text primary key,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now()
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists signature_challenges`.execute(db);
  await sql`drop table if exists user_certificate_identities`.execute(db);
}
