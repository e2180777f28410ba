// The history of e-receipt sends asked through the API (issue 13, item 6). notify_deliveries keeps one current row per
// (document, channel) for the notify worker; every request to send again is appended here first, together with what
// the current row said before it was replaced, so who sent a receipt where, and when, is never overwritten.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table receipt_delivery_log (
      id bigint generated always as identity primary key,
      fn text not null,
      fd bigint not null,
      channel text not null,
      -- 'requested': a send asked through the API; 'superseded': the state the request replaced.
      event text not null check (event in ('requested', 'superseded')),
      recipient text not null,
      status text,
      attempts integer,
      delivered_at timestamptz,
      last_error_code text,
      organization_id bigint,
      -- 'operator', 'user:<id>' or 'apiKey:<id>'; null for superseded rows.
      requested_by text,
      recorded_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index receipt_delivery_log_document_idx on receipt_delivery_log (fn, fd, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists receipt_delivery_log`.execute(db);
}
