// Condition notifications (issue 7), made durable: a history of what fired and an outbox of the e-mails it sends.
//
// notification_events: one row per firing of a condition (organization, kind, subject, threshold, the data it carried,
//   when). notification_log (0011) only says what is armed and is cleared when a state condition clears; this table
//   keeps the history the API lists.
// notification_emails: the outbox of condition e-mails, one row per (event, recipient), written in the transaction that
//   records the firing, so a crash or an SMTP outage loses none. The notify worker sends rows that are due
//   (next_attempt_at), claimed with a lease, with exponential backoff between attempts: pending → sending → delivered,
//   or → retrying → … → failed (out of attempts, or refused for good; also parked in dead_letters).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table notification_events (
      id bigint generated always as identity primary key,
      organization_id bigint not null references organizations (id) on delete cascade,
      kind text not null,
      subject text not null,
      threshold text not null default '',
      data jsonb not null default '{}'::jsonb,
      fired_at timestamptz not null
    )
  `.execute(db);
  // The API lists an organization's history newest first, paged by id.
  await sql`create index notification_events_organization_idx on notification_events (organization_id, id desc)`.execute(db);

  await sql`
    create table notification_emails (
      id bigint generated always as identity primary key,
      event_id bigint not null references notification_events (id) on delete cascade,
      recipient text not null,
      mail_subject text not null,
      mail_text text not null,
      status text not null check (status in ('pending', 'sending', 'delivered', 'retrying', 'failed')),
      attempts integer not null default 0 check (attempts >= 0),
      next_attempt_at timestamptz not null default now(),
      lease_until timestamptz,
      last_error_code text,
      last_error text,
      delivered_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint notification_emails_event_recipient_key unique (event_id, recipient)
    )
  `.execute(db);
  await sql`create index notification_emails_due_idx on notification_emails (next_attempt_at) where status in ('pending', 'retrying', 'sending')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists notification_emails`.execute(db);
  await sql`drop table if exists notification_events`.execute(db);
}
