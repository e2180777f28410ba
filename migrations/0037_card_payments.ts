// Top-ups by card (issue 17): one row per payment asked through the API, and one per refund.
//
// card_payments: order_id is ours (sent to the provider, echoed in its webhooks); provider_payment_id is the provider's.
//   status only moves forward (pending → succeeded | declined); refunded_amount counts refunds asked (pending or done).
//   The money itself is in the ledger: `card:<provider id>:captured` credits the balance once, whatever the number and
//   order of the webhooks.
// card_refunds: a refund debits the balance when asked (so money already spent cannot be refunded), and is given back
//   if the provider refuses it.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table card_payments (
      id bigint generated always as identity primary key,
      organization_id bigint not null references organizations (id) on delete restrict,
      order_id text not null unique,
      request_key text not null unique,
      provider_payment_id text unique,
      amount bigint not null check (amount > 0),
      status text not null default 'pending' check (status in ('pending', 'succeeded', 'declined')),
      refunded_amount bigint not null default 0 check (refunded_amount >= 0 and refunded_amount <= amount),
      confirmation_url text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index card_payments_organization_idx on card_payments (organization_id, id)`.execute(db);
  await sql`
    create table card_refunds (
      id bigint generated always as identity primary key,
      payment_id bigint not null references card_payments (id) on delete restrict,
      reference text not null unique,
      provider_refund_id text unique,
      amount bigint not null check (amount > 0),
      status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists card_refunds`.execute(db);
  await sql`drop table if exists card_payments`.execute(db);
}
