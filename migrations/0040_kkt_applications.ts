// KKT registration applications (issue 18): registration, re-registration and deregistration of registers with the FNS,
// signed by the customer's qualified signature, sent through the fns-kkt queue, completed when the registration report
// arrives through the gateway. Each status change is an event (the history the cabinet shows).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table kkt_applications (
      id bigint generated always as identity primary key,
      organization_id bigint not null references organizations (id),
      kind text not null check (kind in ('registration', 'reregistration', 'deregistration')),
      status text not null default 'draft'
        check (status in ('draft', 'signed', 'sent', 'accepted', 'rnm_assigned', 'refused', 'report_received', 'completed')),
      -- the validated application input (application.ts), as the customer filled it
      input jsonb not null,
      kkt_serial text not null,
      fn_serial text not null,
      -- the XML document to sign, fixed when the draft is made: the signature is over these exact bytes
      xml text not null,
      file_id text not null unique,
      signature bytea,
      -- who signed: the certificate owner (ИНН, ОГРН, СНИЛС, name) and the signing time
      signer jsonb,
      signed_at timestamptz,
      fns_application_id text,
      kkt_reg_id text,
      refusal jsonb,
      -- the registration report that completed it: { fn, fd, dateTime, fiscalSign }
      report jsonb,
      -- a registration report that named this РНМ but another serial or FN: { found, expected, advice }
      mismatch jsonb,
      created_by_user_id bigint,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index kkt_applications_org on kkt_applications (organization_id, id desc)`.execute(db);
  await sql`create index kkt_applications_awaiting_report on kkt_applications (kkt_reg_id) where status = 'rnm_assigned'`.execute(db);
  await sql`
    create table kkt_application_events (
      id bigint generated always as identity primary key,
      application_id bigint not null references kkt_applications (id) on delete cascade,
      status text not null,
      message text not null,
      data jsonb,
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index kkt_application_events_app on kkt_application_events (application_id, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists kkt_application_events`.execute(db);
  await sql`drop table if exists kkt_applications`.execute(db);
}
