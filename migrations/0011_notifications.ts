// Condition notifications (issue 7): what the condition evaluator already told an organization, and per-organization rules.
//
// notification_log: one row per (organization, kind, subject, threshold) that fired; deleted when the condition clears
//   (re-arming it). Event-like kinds (flk.failed, fns.rejected) keep their rows: each document fires once.
// notification_rules: per organization, kinds switched off and the silence threshold in hours; defaults when absent.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table notification_log (
      organization_id bigint not null references organizations (id) on delete cascade,
      kind text not null,
      subject text not null,
      threshold text not null default '',
      fired_at timestamptz not null default now(),
      constraint notification_log_pkey primary key (organization_id, kind, subject, threshold)
    )
  `.execute(db);
  await sql`
    create table notification_rules (
      organization_id bigint primary key references organizations (id) on delete cascade,
      disabled_kinds text[] not null default '{}',
      silent_after_hours integer check (silent_after_hours > 0),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists notification_rules`.execute(db);
  await sql`drop table if exists notification_log`.execute(db);
}
