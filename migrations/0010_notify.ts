// E-receipts, SMS packages and webhooks (issue 6).
//
// notify_deliveries: one row per (fn, fd, channel) — the e-receipt of a document by e-mail or SMS, its recipient and
//   delivery status: pending (a resend was asked through the API; the notify worker enqueues it), queued, sending, delivered,
//   retrying, failed (out of attempts or a terminal refusal: also in dead_letters), no_balance (SMS refused: the
//   organization's SMS package is empty), no_recipient.
// sms_balances: the SMS package of an organization; decremented per SMS sent, topped up by the operator.
// webhook_subscriptions: per-organization endpoints, the events they want and the HMAC secret that signs the bodies.
// webhook_deliveries: the delivery log (an outbox): one row per (subscription, event); the notify worker sends rows that
//   are due (next_attempt_at), with exponential backoff between attempts; replay sets a row due again.
// webhook_scan_state: how far the notify worker has scanned documents and fns_status for webhook events.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table notify_deliveries (
      fn text collate "C" not null,
      fd bigint not null,
      channel text not null check (channel in ('email', 'sms')),
      recipient text not null,
      organization_id bigint references organizations (id) on delete set null,
      status text not null check (status in ('pending', 'queued', 'sending', 'delivered', 'retrying', 'failed', 'no_balance', 'no_recipient')),
      attempts integer not null default 0 check (attempts >= 0),
      resends integer not null default 0 check (resends >= 0),
      last_error_code text,
      last_error text,
      delivered_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint notify_deliveries_pkey primary key (fn, fd, channel),
      constraint notify_deliveries_document_fkey foreign key (fn, fd) references document_keys (fn, fd) on delete cascade
    )
  `.execute(db);
  await sql`create index notify_deliveries_pending_idx on notify_deliveries (updated_at) where status = 'pending'`.execute(db);
  await sql`create index notify_deliveries_organization_idx on notify_deliveries (organization_id, updated_at)`.execute(db);

  await sql`
    create table sms_balances (
      organization_id bigint primary key references organizations (id) on delete cascade,
      balance integer not null default 0 check (balance >= 0),
      updated_at timestamptz not null default now()
    )
  `.execute(db);

  await sql`
    create table webhook_subscriptions (
      id bigint generated always as identity primary key,
      organization_id bigint not null references organizations (id) on delete cascade,
      url text not null check (url ~ '^https?://'),
      events text[] not null,
      secret text not null,
      description text,
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index webhook_subscriptions_organization_idx on webhook_subscriptions (organization_id)`.execute(db);

  await sql`
    create table webhook_deliveries (
      id bigint generated always as identity primary key,
      subscription_id bigint not null references webhook_subscriptions (id) on delete cascade,
      organization_id bigint not null references organizations (id) on delete cascade,
      event text not null,
      event_id text not null,
      payload jsonb not null,
      status text not null check (status in ('pending', 'sending', 'delivered', 'retrying', 'failed')),
      attempts integer not null default 0 check (attempts >= 0),
      next_attempt_at timestamptz not null default now(),
      lease_until timestamptz,
      last_status_code integer,
      last_error text,
      delivered_at timestamptz,
      replays integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint webhook_deliveries_event_key unique (subscription_id, event_id)
    )
  `.execute(db);
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status in ('pending', 'retrying', 'sending')`.execute(db);
  await sql`create index webhook_deliveries_subscription_idx on webhook_deliveries (subscription_id, id desc)`.execute(db);

  await sql`
    create table webhook_scan_state (
      name text primary key,
      scanned_to timestamptz not null
    )
  `.execute(db);
  // The webhook scan reads FNS answers by the time they changed.
  await sql`create index fns_status_updated_at_idx on fns_status (updated_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists fns_status_updated_at_idx`.execute(db);
  await sql`drop table if exists webhook_scan_state`.execute(db);
  await sql`drop table if exists webhook_deliveries`.execute(db);
  await sql`drop table if exists webhook_subscriptions`.execute(db);
  await sql`drop table if exists sms_balances`.execute(db);
  await sql`drop table if exists notify_deliveries`.execute(db);
}
